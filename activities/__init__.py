"""Side effects of the flows (mail, quarantine, drafts, publishing) and the email checks, registered as activities.

Each activity is written with its typed request and result (`activities.contracts`) and registered in the form the
host calls it: the request and result as the JSON the orchestration history records. The registered form validates
the request, and reports what no retry can fix as a result instead of raising: the durable retry of the Python SDK
runs a failed activity again whatever the error, so a `PermanentFailure`, or a request that does not validate, comes
back as `{"permanent_failure": "<why>"}`, which `orchestrations.activity_calls` turns into a failed step at once.
"""

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import azure.durable_functions as df
from pydantic import BaseModel, ValidationError

from activities.contracts import (
    EscalateForReview,
    HandleSpamEmail,
    NotifyOutcome,
    NotifyReviewer,
    PublishContent,
    SaveDraft,
    ScreenEmail,
    SendEmail,
    StepCall,
    VerifyDecision,
)
from activities.failures import PermanentFailure
from activities.mail_screening import screen_email
from activities.review_steps import escalate_for_review, notify_outcome, notify_reviewer, verify_decision
from activities.side_effects import handle_spam_email, publish_content, save_draft, send_email
from orchestrations.inputs import reasons

PERMANENT_FAILURE = "permanent_failure"
logger = logging.getLogger(__name__)

Request = TypeVar("Request", bound=BaseModel)
Registered = Callable[[dict[str, Any]], dict[str, Any]]
"""An activity as the host calls it: its request and its result as the JSON the orchestration history records."""


def read_request(model: type[Request], data: Any, activity: str) -> Request:
    """The request validated with `model`; one that does not validate is a PermanentFailure (no retry mends it)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise PermanentFailure(f"{activity} got a malformed request: {reasons(error, whole='the request')}") from None


def registered(name: str, run: Callable[[dict[str, Any]], BaseModel]) -> Registered:
    """`run` as the activity `name`, answering `{PERMANENT_FAILURE: message}` instead of raising a PermanentFailure."""

    def activity(request: dict[str, Any]) -> dict[str, Any]:
        try:
            return run(request).model_dump(mode="json")
        except PermanentFailure as failure:
            logger.error("%s failed permanently, not retrying: %s", name, failure)
            return {PERMANENT_FAILURE: str(failure)}

    activity.__name__ = activity.__qualname__ = name
    return activity


def check_activity(activity: Callable[[Request], BaseModel], model: type[Request]) -> Registered:
    """An activity without side effects: it reads its request alone."""
    name = activity.__name__
    return registered(name, lambda data: activity(read_request(model, data, name)))


def step_activity(activity: Callable[[Request, StepCall], BaseModel], model: type[Request]) -> Registered:
    """A side effect: it reads its request and, from the same JSON object, the `StepCall` that `call_step` added."""
    name = activity.__name__
    return registered(name, lambda data: activity(read_request(model, data, name), read_request(StepCall, data, name)))


ACTIVITIES = (
    check_activity(screen_email, ScreenEmail),
    step_activity(handle_spam_email, HandleSpamEmail),
    step_activity(send_email, SendEmail),
    step_activity(save_draft, SaveDraft),
    step_activity(notify_reviewer, NotifyReviewer),
    step_activity(escalate_for_review, EscalateForReview),
    step_activity(publish_content, PublishContent),
    step_activity(notify_outcome, NotifyOutcome),
    step_activity(verify_decision, VerifyDecision),
)

blueprint = df.Blueprint()
for _activity in ACTIVITIES:
    blueprint.function_name(_activity.__name__)(blueprint.activity_trigger(input_name="request")(_activity))

__all__ = ["ACTIVITIES", "PERMANENT_FAILURE", "blueprint"]
