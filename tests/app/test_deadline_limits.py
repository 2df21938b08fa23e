"""Review deadlines as the flow's input model reads them: four weeks at most always, the app's minimum when given."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from orchestrations.inputs import MAX_DEADLINE_HOURS, ContentInput, deadline_limits
from settings import ReviewSettings, SettingsError, load_review_settings


@pytest.mark.parametrize(
    ("hours", "review"),
    [
        (1 / 60, ReviewSettings()),
        (MAX_DEADLINE_HOURS, ReviewSettings()),
        (24, ReviewSettings()),
        (0.0002, ReviewSettings(min_deadline_seconds=0.5)),
        (0.00000001, None),
    ],
)
def test_deadlines_in_range_are_accepted(hours: float, review: ReviewSettings | None) -> None:
    request = ContentInput.model_validate(
        {"topic": "t", "timeout_hours": hours, "escalation_timeout_hours": hours}, context=review
    )
    assert request.timeout_hours == request.escalation_timeout_hours == hours


@pytest.mark.parametrize(
    ("hours", "review", "limits"),
    [
        (0.00000001, ReviewSettings(), "at least 1 minute and at most 672 hours (four weeks)"),
        (59 / 3600, ReviewSettings(), "at least 1 minute"),
        (673, ReviewSettings(), "at most 672 hours"),
        (0.0001, ReviewSettings(min_deadline_seconds=90), "at least 90 seconds"),
        (0.01, ReviewSettings(min_deadline_seconds=120), "at least 2 minutes"),
        (0, None, "more than 0 hours and at most 672 hours"),
        (-1, None, "more than 0 hours"),
        (672.5, None, "at most 672 hours"),
    ],
)
def test_deadlines_out_of_range_name_the_limits(hours: float, review: ReviewSettings | None, limits: str) -> None:
    with pytest.raises(ValidationError) as error:
        ContentInput.model_validate({"topic": "t", "escalation_timeout_hours": hours}, context=review)
    [problem] = error.value.errors()
    assert problem["loc"] == ("escalation_timeout_hours",) and limits in problem["msg"], problem["msg"]


def test_the_limits_read_the_same_in_messages_and_tool_descriptions() -> None:
    assert deadline_limits(ReviewSettings()) == "at least 1 minute and at most 672 hours (four weeks)"
    assert deadline_limits(ReviewSettings(0.1)) == "at least 0.1 seconds and at most 672 hours (four weeks)"


def test_review_min_deadline_seconds_defaults_to_a_minute_and_is_bounded() -> None:
    assert load_review_settings({}).min_deadline_seconds == 60
    assert load_review_settings({"REVIEW_MIN_DEADLINE_SECONDS": "2.5"}).min_deadline_seconds == 2.5
    for bad in ("0", "-5", "90000", "soon"):
        with pytest.raises(SettingsError, match="REVIEW_MIN_DEADLINE_SECONDS"):
            load_review_settings({"REVIEW_MIN_DEADLINE_SECONDS": bad})
