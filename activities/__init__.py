"""Side effects of the flows (mail, quarantine, drafts, publishing) and the email checks, registered as activities.

Each activity is registered wrapped by `reports_permanent_failures`: the durable retry of the
Python SDK runs a failed activity again whatever the error, so an error that no retry can fix
comes back as a result (`{"permanent_failure": "<why>"}`) that `orchestrations.activity_calls.call_step`
turns into a failed flow at once, instead of an exception that would be retried in vain.
"""

import functools
import logging
from collections.abc import Callable
from typing import Any

import azure.durable_functions as df

from activities.failures import PermanentFailure
from activities.mail_screening import screen_email
from activities.review_steps import escalate_for_review, notify_outcome, notify_reviewer, verify_decision
from activities.side_effects import handle_spam_email, publish_content, save_draft, send_email

PERMANENT_FAILURE = "permanent_failure"
logger = logging.getLogger(__name__)

Activity = Callable[[dict[str, Any]], dict[str, Any]]


def reports_permanent_failures(activity: Activity) -> Activity:
    """The activity, answering `{PERMANENT_FAILURE: message}` instead of raising a PermanentFailure."""

    @functools.wraps(activity)
    def run(request: dict[str, Any]) -> dict[str, Any]:
        try:
            return activity(request)
        except PermanentFailure as failure:
            logger.error("%s failed permanently, not retrying: %s", activity.__name__, failure)
            return {PERMANENT_FAILURE: str(failure)}

    return run


ACTIVITIES = tuple(
    reports_permanent_failures(activity)
    for activity in (
        screen_email,
        handle_spam_email,
        send_email,
        save_draft,
        notify_reviewer,
        escalate_for_review,
        publish_content,
        notify_outcome,
        verify_decision,
    )
)

blueprint = df.Blueprint()
for _activity in ACTIVITIES:
    blueprint.function_name(_activity.__name__)(blueprint.activity_trigger(input_name="request")(_activity))

__all__ = ["ACTIVITIES", "PERMANENT_FAILURE", "blueprint"]
