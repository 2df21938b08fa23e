"""Helpers every flow uses to call activities and report progress the same way."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, TypeVar

import azure.durable_functions as df
from pydantic import BaseModel

from activities import PERMANENT_FAILURE
from activities.contracts import StepCall
from settings import app_settings

Result = TypeVar("Result", bound=BaseModel)

BACKOFF_COEFFICIENT = 2.0
MAX_RETRY_INTERVAL_SECONDS = 300


class StepGaveUp(Exception):
    """A side effect failed for good: at once when no retry could help, else after the last attempt."""


class BackoffRetryOptions(df.RetryOptions):  # type: ignore[misc]  # azure-functions-durable ships no types
    """`df.RetryOptions` with exponential backoff.

    The Durable extension runs the retries and reads `backoffCoefficient` and `maxRetryIntervalInMilliseconds`
    from the action's retry options (as the JavaScript and PowerShell SDKs send them); the Python SDK's class
    only lacks the fields.
    """

    def __init__(self, first_retry_seconds: float, max_attempts: int) -> None:
        super().__init__(max(1, round(first_retry_seconds * 1000)), max_attempts)
        self.backoff_coefficient = BACKOFF_COEFFICIENT
        self.max_retry_interval_in_milliseconds = MAX_RETRY_INTERVAL_SECONDS * 1000

    def to_json(self) -> dict[str, Any]:
        return {
            **super().to_json(),
            "backoffCoefficient": self.backoff_coefficient,
            "maxRetryIntervalInMilliseconds": self.max_retry_interval_in_milliseconds,
        }


def activity_retry_options() -> BackoffRetryOptions:
    """The app's activity retry policy (ACTIVITY_MAX_ATTEMPTS, ACTIVITY_FIRST_RETRY_SECONDS), as read at start: an
    orchestrator never reads the environment, so a replay schedules what the first run did."""
    policy = app_settings().activity_retry
    return BackoffRetryOptions(policy.first_retry_seconds, policy.max_attempts)


def call_step(
    context: df.DurableOrchestrationContext, step: str, request: BaseModel, result: type[Result]
) -> Generator[Any, Any, Result]:
    """Run the side effect `step` with durable retries: `sent = yield from call_step(context, step, request, MailSent)`.

    Its input is `request` beside a `StepCall`: the instance id, the step and an idempotency key from
    `context.new_uuid()`. The SDK derives that UUID from the instance id, the time of the episode that schedules the
    step (read from the history, so every replay computes it again identically) and a counter; the Python SDK
    exposes no execution id, and this is the per-execution value it offers: a retry, a re-run or a replay of this
    call sees the same key, while a new run under a reused instance id starts at another time and gets new keys,
    so its mail is sent again. A transient failure (the activity raised) is retried with backoff; a
    permanent one (the activity answered `permanent_failure`) or the last failed attempt raises StepGaveUp.
    """
    call = StepCall(instance_id=context.instance_id, step=step, idempotency_key=context.new_uuid())
    retry = activity_retry_options()
    try:
        answer = yield context.call_activity_with_retry(step, retry, wire(call, request))
    except Exception as error:  # the SDK raises a bare Exception carrying the last attempt's reason
        raise StepGaveUp(f"{step} failed {retry.max_number_of_attempts} time(s); giving up: {_reason(error)}") from None
    return read_result(step, answer, result)


def call_check(
    context: df.DurableOrchestrationContext, activity: str, request: BaseModel, result: type[Result]
) -> Generator[Any, Any, Result]:
    """Run an activity that has no side effect, once (an exception it raises fails the flow): its result."""
    answer = yield context.call_activity(activity, wire(request))
    return read_result(activity, answer, result)


def wire(*parts: BaseModel) -> dict[str, Any]:
    """An activity's input as the history records it: the parts' fields side by side in one JSON object."""
    return {name: value for part in parts for name, value in part.model_dump(mode="json").items()}


def read_result(activity: str, answer: dict[str, Any], result: type[Result]) -> Result:
    """The activity's result as `result`, or StepGaveUp with the reason it reported when it failed permanently."""
    if PERMANENT_FAILURE in answer:
        raise StepGaveUp(f"{activity} failed, and retrying cannot help: {answer[PERMANENT_FAILURE]}")
    return result.model_validate(answer)


def _reason(error: Exception) -> str:
    """The failure reason, without the details (a stack trace) that the SDK appends to it."""
    return str(error).split(" \n ", 1)[0].strip()[:1000] or type(error).__name__


def set_stage(context: df.DurableOrchestrationContext, stage: str, **details: Any) -> None:
    """Publish progress in the custom status, always with a `stage` field."""
    context.set_custom_status({"stage": stage, **details})
