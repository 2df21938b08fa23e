"""The real durable path: SDK orchestrator episodes and the agent entity's JSON batch, driven by hand.

Proves that the offline model's JSON survives the entity round trip and is read back
into the response model inside the orchestration (see durable-functions-protocol.md).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

import azure.functions as func
from agent_framework_durabletask import load_agent_response

from activities.screening import screen_email
from agents.models import SpamVerdict
from orchestrations.agent_calls import read_answer

SPAM = {"content": "You have WON a prize! Verify your account at http://bit.ly/x NOW!!!", "sender": "Win <win@lotto.xyz>"}
T0, T1, T2 = "2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:05.000000Z", "2026-01-01T00:00:09.000000Z"


def handler(functions: list[Any], name: str) -> Any:
    return next(f for f in functions if f.get_function_name() == name).get_user_function()


def episode(functions: list[Any], name: str, history: list[dict[str, Any]], flow_input: Any) -> dict[str, Any]:
    body = {"history": history, "input": json.dumps(flow_input), "instanceId": "inst-1", "isReplaying": False,
            "parentInstanceId": None, "upperSchemaVersion": 2}  # fmt: skip
    return json.loads(handler(functions, name)(func.OrchestrationContext(json.dumps(body))))


def started(name: str, flow_input: Any) -> list[dict[str, Any]]:
    return [
        {"EventType": 12, "EventId": -1, "IsPlayed": False, "Timestamp": T0},
        {"EventType": 0, "EventId": -1, "IsPlayed": False, "Timestamp": T0, "Name": name, "Input": json.dumps(flow_input), "Version": ""},
    ]


def run_entity(functions: list[Any], entity_id: str, operation: str, operation_input: str) -> dict[str, Any]:
    """One-operation batch; the operation input (already JSON) is JSON-encoded once more, as the host does."""
    name, key = entity_id.strip("@").split("@", 1)
    entity_name = next(f.get_function_name() for f in functions if f.get_function_name().lower() == name)
    batch = {"self": {"name": name, "key": key}, "state": None, "exists": False,
             "batch": [{"name": operation, "input": json.dumps(operation_input)}]}  # fmt: skip
    return json.loads(handler(functions, entity_name)(json.dumps(batch)))


def test_spam_flow_runs_the_agent_entity_and_parses_its_verdict(
    app_env: Any, app_functions: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    history = started("spam_detection_orchestration", SPAM)
    first = episode(app_functions, "spam_detection_orchestration", history, SPAM)

    [[screening_call]] = first["actions"]
    assert screening_call["actionType"] == 0 and screening_call["functionName"] == "screen_email"
    screening = screen_email(json.loads(screening_call["input"]))
    history += [
        {"EventType": 4, "EventId": 0, "IsPlayed": False, "Timestamp": T0, "Name": "screen_email", "Input": screening_call["input"]},
        {"EventType": 13, "EventId": -1, "IsPlayed": False, "Timestamp": T0},
        {"EventType": 12, "EventId": -1, "IsPlayed": False, "Timestamp": T1},
        {"EventType": 5, "EventId": -1, "IsPlayed": False, "Timestamp": T1, "TaskScheduledId": 0, "Result": json.dumps(screening)},
    ]  # fmt: skip
    second = episode(app_functions, "spam_detection_orchestration", history, SPAM)

    call = [a for group in second["actions"] for a in group][-1]
    assert call["actionType"] == 7 and call["instanceId"].startswith("@dafx-spamdetectionagent@")
    request = json.loads(call["input"])
    assert "The app's own checks already ran on it" in request["message"]

    with caplog.at_level(logging.WARNING):
        out = run_entity(app_functions, call["instanceId"], call["operation"], call["input"])
    assert not caplog.records, "the entity stored the agent's answer without complaint (e.g. about created_at)"
    [result] = out["results"]
    assert result["isError"] is False
    verdict = read_answer(load_agent_response(json.loads(result["result"])), SpamVerdict)
    assert verdict["is_spam"] is True
    state = json.loads(out["entityState"])
    history_text = json.dumps(state)
    assert "inspect_links" in history_text and "check_sender" in history_text  # tool calls kept in the conversation

    guid = request["correlationId"]
    history += [
        {"EventType": 14, "EventId": 1, "IsPlayed": False, "Timestamp": T1, "Name": "run", "InstanceId": call["instanceId"], "Input": json.dumps({"id": guid})},
        {"EventType": 13, "EventId": -1, "IsPlayed": False, "Timestamp": T1},
        {"EventType": 12, "EventId": -1, "IsPlayed": False, "Timestamp": T2},
        {"EventType": 15, "EventId": -1, "IsPlayed": False, "Timestamp": T2, "Name": guid, "Input": json.dumps({"result": result["result"]})},
    ]  # fmt: skip
    third = episode(app_functions, "spam_detection_orchestration", history, SPAM)

    scheduled = [a for group in third["actions"] for a in group]
    assert scheduled[-1]["actionType"] == 0 and scheduled[-1]["functionName"] == "handle_spam_email"
    activity_input = json.loads(scheduled[-1]["input"])
    assert activity_input["verdict"]["is_spam"] is True and activity_input["instance_id"] == "inst-1"
