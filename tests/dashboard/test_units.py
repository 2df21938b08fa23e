"""The dashboard's pure parts: percentiles, review detection, decision routing, lenient state parsing."""

from __future__ import annotations

import pytest

from devhost.app.app_index import FunctionIndex, HttpFunction
from devhost.dashboard.approval import awaits_review, decision_url
from devhost.dashboard.conversation import read_session
from devhost.dashboard.metrics import Spread, percentile


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert Spread.of(float(n) for n in range(1, 101)) == Spread(median=50.5, p95=95.0)


@pytest.mark.parametrize(
    ("custom_status", "expected"),
    [
        ({"stage": "awaiting_approval", "draft": "text"}, True),
        ({"status": "Waiting for review"}, True),
        ({"stage": "approved"}, False),
        ({"stage": "drafting"}, False),
        ("awaiting_approval", False),
        (None, False),
    ],
)
def test_review_is_detected_from_the_stage(custom_status: object, expected: bool) -> None:
    assert awaits_review(custom_status) is expected


def test_decision_goes_to_the_apps_route_else_to_raise_event() -> None:
    index = FunctionIndex()
    assert decision_url("a/b", index) == (
        "/runtime/webhooks/durabletask/instances/a%2Fb/raiseEvent/ApprovalDecision",
        "durable-api",
    )
    index.http.append(HttpFunction("decide", "reviews/{id:guid}/decision", {"POST"}, print, "req", "client"))
    assert decision_url("a/b", index) == ("/api/reviews/a%2Fb/decision", "app")


@pytest.mark.parametrize(
    "state", [None, "not json", "[]", '{"data": {"conversationHistory": [1, {"$type": "request"}]}}']
)
def test_an_unreadable_agent_state_reads_as_what_can_be_read(state: str | None) -> None:
    session = read_session("@dafx-writer@k1", state, 0.0)
    assert (session.agent, session.key) == ("writer", "k1")
    assert all(e.response is None for e in session.exchanges)
