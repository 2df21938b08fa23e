"""The real app's MCP tools, with the official MCP client against the local host: what VS Code or any client sees."""

from __future__ import annotations

import time
from typing import Any

import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from devhost.process import DevHost
from tests.e2e.conftest import start_flow
from tests.mcp_client import answer, call, text, tools
from tests.smtp import SmtpServer

PHISHING = (
    "From: PayPal Security <security@paypa1.com>\nSubject: URGENT: account suspended\n\n"
    "Verify your account at http://bit.ly/secure-login within 24 hours or it will be closed!!!"
)
NORMAL = (
    "From: Alex <alex@contoso.com>\nSubject: Project review time\n\n"
    "Hi Sam, could we move Thursday's project review to 3pm? Thanks, Alex"
)
DEADLINES = "at least the app's REVIEW_MIN_DEADLINE_SECONDS (a minute unless set), at most 672 (four weeks)"
FLOW_TOOLS = {"start_research_flow", "start_content_flow", "get_flow_status", "submit_review_decision"}


def status_until(host: DevHost, instance_id: str, done: Any, timeout: float = 30) -> dict[str, Any]:
    """Poll the status tool, as a client would, until `done(status)`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = answer(call(host, "get_flow_status", {"instance_id": instance_id}))
        if done(status):
            return status
        time.sleep(0.1)
    raise TimeoutError(f"{instance_id} still {status['runtimeStatus']}: {status['customStatus']}")


def finished(status: dict[str, Any]) -> bool:
    return status["runtimeStatus"] in ("Completed", "Failed", "Terminated")


def awaiting_review(status: dict[str, Any]) -> bool:
    return (status["customStatus"] or {}).get("stage") == "awaiting_approval"


def error_of(result: types.CallToolResult) -> str:
    assert result.is_error, text(result)
    return text(result)


def test_the_spam_agent_and_the_flow_tools_are_listed_with_their_schemas(app_host: DevHost) -> None:
    listed = tools(app_host)

    assert set(listed) == {"SpamDetectionAgent", *FLOW_TOOLS}
    spam = listed["SpamDetectionAgent"]
    assert "spam" in spam.description and "query" in spam.description
    assert spam.input_schema["required"] == ["query"]
    assert listed["start_content_flow"].input_schema == {
        "type": "object",
        "properties": {
            "topic": {
                "type": "string",
                "description": listed["start_research_flow"].input_schema["properties"]["topic"]["description"],
            },
            "reviewer": {
                "type": "string",
                "description": "Email address of the reviewer (default: the app's REVIEWER_EMAIL).",
            },
            "timeout_hours": {
                "type": "number",
                "description": "Hours the reviewer has for each round before it is "
                f"escalated: {DEADLINES} (default 24).",
            },
            "escalation_timeout_hours": {
                "type": "number",
                "description": "Hours the escalation contact then has before "
                f"the review expires: {DEADLINES} (default 24).",
            },
            "max_review_rounds": {
                "type": "integer",
                "description": "Review rounds before a draft rejected each time ends rejected, 1 to 10 (default 3).",
            },
        },
        "required": ["topic"],
    }
    assert listed["submit_review_decision"].input_schema["required"] == ["instance_id", "approved"]
    assert listed["submit_review_decision"].input_schema["properties"]["approved"]["type"] == "boolean"
    for name in FLOW_TOOLS:
        assert listed[name].description, name


def test_the_spam_agent_flags_a_phishing_mail_and_passes_a_normal_one(app_host: DevHost, smtp: SmtpServer) -> None:
    senders = ("security@paypa1.com", "alex@contoso.com")  # the only addresses a reply could go to
    sent_before = [len(smtp.to(sender)) for sender in senders]

    phishing = answer(call(app_host, "SpamDetectionAgent", {"query": PHISHING}))
    normal = answer(call(app_host, "SpamDetectionAgent", {"query": NORMAL}))

    assert phishing["is_spam"] is True and phishing["confidence"] >= 0.5
    assert any("paypa1.com" in signal for signal in phishing["signals"])
    assert normal["is_spam"] is False and normal["signals"] == []
    assert [len(smtp.to(sender)) for sender in senders] == sent_before  # a verdict, nothing sent


def test_research_started_over_mcp_answers_at_once_and_its_result_is_read_with_the_status_tool(
    app_host: DevHost,
) -> None:
    started = answer(call(app_host, "start_research_flow", {"topic": "vector databases"}))
    assert started["name"] == "research_orchestration" and started["runtimeStatus"] == "Pending"

    status = status_until(app_host, started["id"], finished)

    assert status["runtimeStatus"] == "Completed", status
    assert set(status["output"]["sections"]) == {"technical", "market", "competitor"}
    assert "vector databases" in status["output"]["summary"]["summary"]
    assert status["input"] == {"topic": "vector databases"}


def test_a_content_review_is_followed_and_decided_with_the_tools(app_host: DevHost, smtp: SmtpServer) -> None:
    started = answer(
        call(
            app_host,
            "start_content_flow",
            {"topic": "agents as MCP tools", "reviewer": "mia@contoso.com", "timeout_hours": 2, "max_review_rounds": 1},
        )
    )

    waiting = status_until(app_host, started["id"], awaiting_review)
    assert waiting["runtimeStatus"] == "Running" and waiting["customStatus"]["draft"]["title"]
    [notice] = [m for m in smtp.messages if "mia@contoso.com" in (m["To"] or "")]
    # The reviewer's link is the app's own address (never one taken from a request), here this host.
    assert f"{app_host.url}/api/content/{started['id']}/decision" in notice.get_content()

    decided = answer(
        call(
            app_host,
            "submit_review_decision",
            {"instance_id": started["id"], "approved": False, "feedback": "Add an example"},
        )
    )
    assert {k: decided[k] for k in ("id", "applied", "round", "decided_by", "approved", "feedback")} == {
        "id": started["id"],
        "applied": True,
        "round": 1,
        "decided_by": {"role": "automation", "address": None},
        "approved": False,
        "feedback": "Add an example",
    }
    output = status_until(app_host, started["id"], finished)["output"]
    assert output["status"] == "rejected" and output["rounds"][0]["decision"]["feedback"] == "Add an example"

    again = call(app_host, "submit_review_decision", {"instance_id": started["id"], "approved": True})
    assert "the review has ended (rejected)" in error_of(again)


def test_a_decision_for_a_flow_that_is_no_review_or_unknown_is_refused(app_host: DevHost) -> None:
    research = start_flow(app_host, "research", {"topic": "refusals"})
    assert "not a content_approval_workflow" in error_of(
        call(app_host, "submit_review_decision", {"instance_id": research, "approved": True})
    )
    assert (
        error_of(call(app_host, "submit_review_decision", {"instance_id": "no-such-flow", "approved": True}))
        == '{"error": "No orchestration instance \'no-such-flow\'"}'
    )
    assert "No orchestration instance" in error_of(call(app_host, "get_flow_status", {"instance_id": "no-such-flow"}))


@pytest.mark.parametrize(
    ("tool", "arguments", "field"),
    [
        ("start_research_flow", {"topic": "   "}, "topic"),
        ("start_research_flow", {"topic": "x" * 501}, "topic"),
        ("start_research_flow", {"topic": "ok", "colour": "blue"}, "colour"),
        ("start_content_flow", {"topic": "t", "timeout_hours": 0}, "timeout_hours"),
        ("start_content_flow", {"topic": "t", "timeout_hours": "24"}, "timeout_hours"),
        ("start_content_flow", {"topic": "t", "reviewer": "not an address"}, "reviewer"),
        ("start_content_flow", {"topic": 42}, "topic"),
        ("submit_review_decision", {"instance_id": "some-id", "approved": "yes"}, "approved"),
        ("submit_review_decision", {"instance_id": "../etc", "approved": True}, "instance_id"),
        ("get_flow_status", {"instance_id": 7}, "instance_id"),
    ],
)
def test_bad_arguments_are_tool_errors_naming_the_argument(
    app_host: DevHost, tool: str, arguments: dict[str, Any], field: str
) -> None:
    result = call(app_host, tool, arguments)

    assert result.is_error
    assert result.structured_content is not None and field in [d["field"] for d in result.structured_content["details"]]
    assert field in text(result)


def test_missing_required_arguments_are_invalid_params(app_host: DevHost) -> None:
    for tool, arguments, missing in [
        ("start_research_flow", {}, "topic"),
        ("SpamDetectionAgent", {}, "query"),
        ("submit_review_decision", {"instance_id": "x"}, "approved"),
    ]:
        with pytest.raises(MCPError) as error:
            call(app_host, tool, arguments)
        assert error.value.error.code == types.INVALID_PARAMS and error.value.error.message.endswith(missing)
