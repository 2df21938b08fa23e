"""Helpers every flow uses to call activities and report progress the same way."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from activities import PERMANENT_FAILURE
from settings import app_settings

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
    context: df.DurableOrchestrationContext, step: str, **payload: Any
) -> Generator[Any, Any, dict[str, Any]]:
    """Run the activity named `step` with durable retries: `result = yield from call_step(context, step, ...)`.

    Its input carries the instance id, the step and an idempotency key from `context.new_uuid()`. The SDK
    derives that UUID from the instance id, the time of the episode that schedules the step (read from the
    history, so every replay computes it again identically) and a counter; the Python SDK exposes no
    execution id, and this is the per-execution value it offers: a retry, a re-run or a replay of this call
    sees the same key, while a new run under a reused instance id starts at another time and gets new keys,
    so its mail is sent again. A transient failure (the activity raised) is retried with backoff; a
    permanent one (the activity answered `permanent_failure`) or the last failed attempt raises StepGaveUp.
    """
    request = {"instance_id": context.instance_id, "step": step, "idempotency_key": context.new_uuid(), **payload}
    retry = activity_retry_options()
    try:
        result: dict[str, Any] = yield context.call_activity_with_retry(step, retry, request)
    except Exception as error:  # the SDK raises a bare Exception carrying the last attempt's reason
        raise StepGaveUp(f"{step} failed {retry.max_number_of_attempts} time(s); giving up: {_reason(error)}") from None
    if PERMANENT_FAILURE in result:
        raise StepGaveUp(f"{step} failed, and retrying cannot help: {result[PERMANENT_FAILURE]}")
    return result


def _reason(error: Exception) -> str:
    """The failure reason, without the details (a stack trace) that the SDK appends to it."""
    return str(error).split(" \n ", 1)[0].strip()[:1000] or type(error).__name__


def set_stage(context: df.DurableOrchestrationContext, stage: str, **details: Any) -> None:
    """Publish progress in the custom status, always with a `stage` field."""
    context.set_custom_status({"stage": stage, **details})
