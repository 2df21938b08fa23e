"""Review deadlines on the real app with the app's own default (REVIEW_MIN_DEADLINE_SECONDS unset: one minute), over
HTTP, MCP and the Durable management API: between a minute and four weeks, a 400 naming both limits outside them, a
four-week deadline held by one durable timer, and a flow that started keeping its deadlines when the minimum rises."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from devhost.process import DevHost
from tests.e2e.conftest import API, awaiting_review, history, new_app_host, start_flow
from tests.mcp_client import call, text
from tests.smtp import SmtpServer

LIMITS = "must be at least 1 minute and at most 672 hours (four weeks)"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer) -> Iterator[DevHost]:
    # The e2e hosts lower the minimum to play reviews out in seconds; this one keeps the app's default.
    server = new_app_host(tmp_path_factory.mktemp("deadlines"), smtp.port, REVIEW_MIN_DEADLINE_SECONDS="").start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("field", "hours"),
    [
        ("timeout_hours", 0.00000001),
        ("timeout_hours", 0.0166),
        ("timeout_hours", 672.01),
        ("escalation_timeout_hours", 0.001),
        ("escalation_timeout_hours", 1000),
    ],
)
def test_a_deadline_outside_a_minute_to_four_weeks_is_a_400_naming_the_limits(
    host: DevHost, field: str, hours: float
) -> None:
    code, reply = host.request("POST", "/api/content/run", {"topic": "deadlines", field: hours})

    assert code == 400, reply
    [detail] = reply["details"]
    assert detail["field"] == field and detail["message"].startswith(LIMITS), detail


def test_the_mcp_tool_refuses_the_same_deadlines_and_says_its_range(host: DevHost) -> None:
    result = call(host, "start_content_flow", {"topic": "deadlines", "timeout_hours": 0.00000001})

    assert result.is_error and LIMITS in text(result)


def test_a_flow_started_around_the_routes_with_a_deadline_too_short_fails_before_any_mail(
    host: DevHost, smtp: SmtpServer
) -> None:
    reviewer = "too-short@contoso.com"
    code, reply = host.request(
        "POST",
        f"{API}/orchestrators/content_approval_workflow",
        {"topic": "around the route", "reviewer": reviewer, "timeout_hours": 0.00000001},
    )
    assert code == 202, reply

    status = host.wait_for(reply["id"])

    assert status["runtimeStatus"] == "Failed"
    assert "timeout_hours" in str(status["output"]) and LIMITS in str(status["output"])
    assert smtp.to(reviewer) == []


def test_a_four_week_deadline_is_one_durable_timer_and_the_review_goes_on(host: DevHost) -> None:
    instance_id = start_flow(
        host, "content", {"topic": "A long review", "timeout_hours": 672, "escalation_timeout_hours": 1 / 60}
    )

    waiting = host.wait_for(instance_id, ("Running",), predicate=awaiting_review)["customStatus"]

    started = at(host.status(instance_id)["createdTime"])
    deadline = at(waiting["deadline"])
    timers = [e for e in history(host, instance_id) if e["EventType"] == "TimerCreated"]
    [long_timer] = [e for e in timers if at(e["FireAt"]) > started + timedelta(days=1)]  # not a chain of short ones
    # Four weeks from the orchestrator's clock as it set the deadline: after the start, by the time it made the timer.
    assert started <= deadline - timedelta(weeks=4) <= at(long_timer["Timestamp"])
    assert abs(at(long_timer["FireAt"]) - deadline) < timedelta(seconds=1)  # the status shows it to the second
    assert host.request("POST", f"/api/content/{instance_id}/decision", {"approved": True})[0] == 202
    assert host.wait_for(instance_id)["output"]["status"] == "published"


def test_a_started_flow_keeps_its_deadline_when_the_minimum_rises(
    tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer
) -> None:
    first = new_app_host(tmp_path_factory.mktemp("minimum-rises"), smtp.port, REVIEW_MIN_DEADLINE_SECONDS="1").start()
    try:
        instance_id = start_flow(
            first, "content", {"topic": "Short review", "timeout_hours": 0.5, "escalation_timeout_hours": 0.01}
        )
        first.wait_for(instance_id, ("Running",), predicate=awaiting_review)
    finally:
        first.stop()
    second = first.successor({"REVIEW_MIN_DEADLINE_SECONDS": "3600"}).start()  # the 36 s escalation is now too short
    try:
        assert second.request("POST", "/api/content/run", {"topic": "x", "escalation_timeout_hours": 0.01})[0] == 400
        assert second.request("POST", f"/api/content/{instance_id}/decision", {"approved": True})[0] == 202
        assert second.wait_for(instance_id)["output"]["status"] == "published"
    finally:
        second.stop()


def at(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
