"""How the app writes a moment: UTC, ISO 8601 to the second, with a Z; a naive datetime is UTC, never local time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from reviewing.protocol import ReviewStatus, Stage, utc, utc_iso


@pytest.fixture
def local_time_is_not_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's local time zone set to UTC+9, so that reading a naive datetime as local time would show."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_naive_moment_is_written_as_the_utc_time_it_already_is(local_time_is_not_utc: None) -> None:
    orchestrator_clock = datetime(2026, 5, 4, 9, 30, 15, 987654)  # as context.current_utc_datetime gives it

    assert utc_iso(orchestrator_clock) == "2026-05-04T09:30:15Z"
    assert utc(orchestrator_clock) == datetime(2026, 5, 4, 9, 30, 15, 987654, tzinfo=UTC)


def test_an_aware_moment_is_converted_to_utc_before_it_is_written() -> None:
    in_new_york = datetime(2026, 12, 31, 22, 0, tzinfo=timezone(timedelta(hours=-5)))

    assert utc_iso(in_new_york) == "2027-01-01T03:00:00Z"
    assert utc_iso(datetime(2026, 5, 4, 9, 30, tzinfo=UTC)) == "2026-05-04T09:30:00Z"


def test_the_custom_status_writes_its_deadlines_the_same_way(local_time_is_not_utc: None) -> None:
    naive, aware = datetime(2026, 5, 4, 9, 30), datetime(2026, 5, 4, 11, 30, tzinfo=timezone(timedelta(hours=2)))
    status = ReviewStatus(
        stage=Stage.ESCALATED, topic="t", round=1, max_rounds=1, deadline=naive, missed_deadline=aware
    )

    written = status.as_custom_status()

    assert written["deadline"] == written["missed_deadline"] == "2026-05-04T09:30:00Z"
    assert ReviewStatus.model_validate(written).deadline == utc(naive)
