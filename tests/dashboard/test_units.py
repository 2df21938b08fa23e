"""The dashboard's pure parts: percentiles, values cut at a depth, lenient state parsing."""

from __future__ import annotations

import pytest

from devhost.dashboard.conversation import read_session
from devhost.dashboard.jsonview import MAX_DEPTH, parse
from devhost.dashboard.metrics import Spread, percentile


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert Spread.of(float(n) for n in range(1, 101)) == Spread(median=50.5, p95=95.0)


def test_json_deeper_than_the_page_shows_is_cut_with_a_note() -> None:
    value = parse("[" * 900 + "]" * 900)
    for _ in range(MAX_DEPTH):
        (value,) = value
    assert value == f"(nested deeper than {MAX_DEPTH} levels: not shown)"
    assert parse('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]} and parse("not json") == "not json"


@pytest.mark.parametrize(
    "state", [None, "not json", "[]", '{"data": {"conversationHistory": [1, {"$type": "request"}]}}']
)
def test_an_unreadable_agent_state_reads_as_what_can_be_read(state: str | None) -> None:
    session = read_session("@dafx-writer@k1", state, 0.0)
    assert (session.agent, session.key) == ("writer", "k1")
    assert all(e.response is None for e in session.exchanges)
