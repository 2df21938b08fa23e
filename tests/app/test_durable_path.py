"""The real durable path: SDK orchestrator episodes and the agent entity's JSON batch, driven by hand.

Proves that the offline model's JSON survives the entity round trip and is read back
into the response model inside the orchestration (see durable-functions-protocol.md).
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import azure.functions as func
import pytest
from agent_framework_durabletask import load_agent_response

from agents.models import SpamVerdict
from orchestrations.agent_calls import read_answer
from tests.app.fakes import run_activity

SPAM = {
    "content": "You have WON a prize! Verify your account at http://bit.ly/x NOW!!!",
    "sender": "Win <win@lotto.xyz>",
}
T0, T1, T2 = "2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:05.000000Z", "2026-01-01T00:00:09.000000Z"


def handler(functions: list[Any], name: str) -> Any:
    return next(f for f in functions if f.get_function_name() == name).get_user_function()


def episode(functions: list[Any], name: str, history: list[dict[str, Any]], flow_input: Any) -> dict[str, Any]:
    body = {
        "history": history,
        "input": json.dumps(flow_input),
        "instanceId": "inst-1",
        "isReplaying": False,
        "parentInstanceId": None,
        "upperSchemaVersion": 2,
    }
    return json.loads(handler(functions, name)(func.OrchestrationContext(json.dumps(body))))


def started(name: str, flow_input: Any, at: str = T0) -> list[dict[str, Any]]:
    return [
        {"EventType": 12, "EventId": -1, "IsPlayed": False, "Timestamp": at},
        {
            "EventType": 0,
            "EventId": -1,
            "IsPlayed": False,
            "Timestamp": at,
            "Name": name,
            "Input": json.dumps(flow_input),
            "Version": "",
        },
    ]


def run_entity(functions: list[Any], entity_id: str, operation: str, operation_input: str) -> dict[str, Any]:
    """One-operation batch; the operation input (already JSON) is JSON-encoded once more, as the host does."""
    name, key = entity_id.strip("@").split("@", 1)
    entity_name = next(f.get_function_name() for f in functions if f.get_function_name().lower() == name)
    batch = {
        "self": {"name": name, "key": key},
        "state": None,
        "exists": False,
        "batch": [{"name": operation, "input": json.dumps(operation_input)}],
    }
    return json.loads(handler(functions, entity_name)(json.dumps(batch)))


def step_ran(
    name: str, input_json: str, task_id: int, scheduled_at: str, ended_at: str, outcome: dict[str, Any]
) -> list[dict[str, Any]]:
    """The history an activity call leaves: scheduled in one episode, its outcome (the TaskCompleted or TaskFailed
    fields) starting the next."""
    return [
        {
            "EventType": 4,
            "EventId": task_id,
            "IsPlayed": False,
            "Timestamp": scheduled_at,
            "Name": name,
            "Input": input_json,
        },
        {"EventType": 13, "EventId": -1, "IsPlayed": False, "Timestamp": scheduled_at},
        {"EventType": 12, "EventId": -1, "IsPlayed": False, "Timestamp": ended_at},
        {"EventId": -1, "IsPlayed": False, "Timestamp": ended_at, "TaskScheduledId": task_id, **outcome},
    ]


def run_until_quarantine(functions: list[Any], start: str, answered: str) -> tuple[dict, dict, dict, list[dict]]:
    """Episode 1 (the screening activity), episode 2 (the agent call, screened at `start`), the entity batch,
    episode 3 (the agent answered at `answered`): returns the agent call action, the entity's output, the
    quarantine action of episode 3 and the history so far."""
    history = started("spam_detection_orchestration", SPAM, start)
    [[screening]] = episode(functions, "spam_detection_orchestration", history, SPAM)["actions"]
    assert screening["actionType"] == 0 and screening["functionName"] == "screen_email"
    screened = run_activity("screen_email", json.loads(screening["input"]))
    history += [
        {
            "EventType": 4,
            "EventId": 0,
            "IsPlayed": False,
            "Timestamp": start,
            "Name": "screen_email",
            "Input": screening["input"],
        },
        {"EventType": 13, "EventId": -1, "IsPlayed": False, "Timestamp": start},
        {"EventType": 12, "EventId": -1, "IsPlayed": False, "Timestamp": start},
        {
            "EventType": 5,
            "EventId": -1,
            "IsPlayed": False,
            "Timestamp": start,
            "TaskScheduledId": 0,
            "Result": json.dumps(screened),
        },
    ]
    [[_, call]] = episode(functions, "spam_detection_orchestration", history, SPAM)["actions"]
    out = run_entity(functions, call["instanceId"], call["operation"], call["input"])
    guid = json.loads(call["input"])["correlationId"]
    history += [
        {
            "EventType": 14,
            "EventId": 1,
            "IsPlayed": False,
            "Timestamp": start,
            "Name": "run",
            "InstanceId": call["instanceId"],
            "Input": json.dumps({"id": guid}),
        },
        {"EventType": 13, "EventId": -1, "IsPlayed": False, "Timestamp": start},
        {"EventType": 12, "EventId": -1, "IsPlayed": False, "Timestamp": answered},
        {
            "EventType": 15,
            "EventId": -1,
            "IsPlayed": False,
            "Timestamp": answered,
            "Name": guid,
            "Input": json.dumps({"result": out["results"][0]["result"]}),
        },
    ]
    # A plain CallActivity (type 0): the flow runs a step's retries itself, on durable timers.
    [[*_, quarantine]] = episode(functions, "spam_detection_orchestration", history, SPAM)["actions"]
    return call, out, quarantine, history


def test_spam_flow_runs_the_agent_entity_and_parses_its_verdict(
    app_env: Any, app_functions: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        call, out, quarantine, _ = run_until_quarantine(app_functions, T0, T1)
    assert call["actionType"] == 7 and call["instanceId"].startswith("@dafx-spamdetectionagent@")
    assert not caplog.records, "the entity stored the agent's answer without complaint (e.g. about created_at)"
    [result] = out["results"]
    assert result["isError"] is False
    assert "The app's own checks already ran on it" in json.loads(call["input"])["message"]
    verdict = read_answer(load_agent_response(json.loads(result["result"])), SpamVerdict)
    assert verdict["is_spam"] is True
    history_text = json.dumps(json.loads(out["entityState"]))
    assert "inspect_links" in history_text and "check_sender" in history_text  # tool calls kept in the conversation

    assert quarantine["actionType"] == 0 and quarantine["functionName"] == "handle_spam_email"
    activity_input = json.loads(quarantine["input"])
    assert activity_input["verdict"]["is_spam"] is True and activity_input["instance_id"] == "inst-1"


def test_the_idempotency_key_is_the_same_on_every_replay_and_new_for_every_execution(
    app_env: Any, app_functions: list[Any]
) -> None:
    def key(action: dict[str, Any]) -> str:
        return json.loads(action["input"])["idempotency_key"]

    _, _, quarantine, history = run_until_quarantine(app_functions, T0, T1)
    first = key(quarantine)
    assert str(uuid.UUID(first)) == first
    # A later episode replays the step (scheduled at T1) after it completed at T2: the action carries the same key.
    result = json.dumps(run_activity("handle_spam_email", json.loads(quarantine["input"])))
    history += step_ran("handle_spam_email", quarantine["input"], 2, T1, T2, {"EventType": 5, "Result": result})
    third = episode(app_functions, "spam_detection_orchestration", history, SPAM)
    assert third["isDone"] and key(third["actions"][0][-1]) == first
    # The same instance id started again later: a new execution, so new keys.
    assert (
        key(run_until_quarantine(app_functions, "2026-03-01T09:30:00.000000Z", "2026-03-01T09:30:05.000000Z")[2])
        != first
    )


def test_a_failed_step_waits_on_a_timer_says_so_in_the_custom_status_and_retries_with_the_same_key(
    app_env: Any, app_functions: list[Any]
) -> None:
    _, _, quarantine, history = run_until_quarantine(app_functions, T0, T1)
    reason = "Activity function 'handle_spam_email' failed: TransientFailure: No space left on device"
    failed = {"EventType": 6, "Reason": reason, "Details": "Traceback ..."}
    history += step_ran("handle_spam_email", quarantine["input"], 2, T1, T2, failed)
    waiting = episode(app_functions, "spam_detection_orchestration", history, SPAM)
    [*_, timer] = waiting["actions"][-1]
    assert timer["actionType"] == 5 and timer["fireAt"].startswith("2026-01-01T00:00:14")  # T2 + 5 s
    [retry] = waiting["customStatus"]["retrying"]
    assert waiting["customStatus"]["stage"] == "quarantining"
    assert retry == {
        "step": "handle_spam_email",
        "reason": reason,
        "next_attempt": 2,
        "max_attempts": 5,
        "next_attempt_at": "2026-01-01T00:00:14Z",
    }

    history += [
        {"EventType": 10, "EventId": 3, "IsPlayed": False, "Timestamp": T2, "FireAt": timer["fireAt"]},
        {"EventType": 13, "EventId": -1, "IsPlayed": False, "Timestamp": T2},
        {"EventType": 12, "EventId": -1, "IsPlayed": False, "Timestamp": "2026-01-01T00:00:14.000000Z"},
        {
            "EventType": 11,
            "EventId": -1,
            "IsPlayed": False,
            "Timestamp": timer["fireAt"],
            "TimerId": 3,
            "FireAt": timer["fireAt"],
        },
    ]
    again = episode(app_functions, "spam_detection_orchestration", history, SPAM)
    [*_, second] = again["actions"][-1]
    assert second["actionType"] == 0 and second["input"] == quarantine["input"]  # the same idempotency key
    assert "retrying" in again["customStatus"]  # until the retried attempt's outcome is in
