"""Helpers every flow uses to call activities and report progress the same way."""

from __future__ import annotations

import logging
from collections.abc import Generator
from datetime import datetime, timedelta
from typing import Any, TypeVar

import azure.durable_functions as df
from pydantic import BaseModel

from activities import PERMANENT_FAILURE
from activities.contracts import StepCall
from reviewing.protocol import utc_iso
from settings import app_settings

logger = logging.getLogger(__name__)

Result = TypeVar("Result", bound=BaseModel)


class StepGaveUp(Exception):
    """A side effect failed for good: at once when no retry could help, else after the last attempt."""


def call_step(
    context: df.DurableOrchestrationContext, step: str, request: BaseModel, result: type[Result]
) -> Generator[Any, Any, Result]:
    """Run the side effect `step` with durable retries: `sent = yield from call_step(context, step, request, MailSent)`.

    Its input is `request` beside a `StepCall`: the instance id, the step and an idempotency key from
    `context.new_uuid()`. The SDK derives that UUID from the instance id, the time of the episode that schedules the
    step (read from the history, so every replay computes it again identically) and a counter; the Python SDK
    exposes no execution id, and this is the per-execution value it offers: a retry, a re-run or a replay of this
    call sees the same key, while a new run under a reused instance id starts at another time and gets new keys,
    so its mail is sent again.

    A transient failure (the activity raised) is retried after a durable timer, up to the app's activity retry
    policy (ACTIVITY_MAX_ATTEMPTS, ACTIVITY_FIRST_RETRY_SECONDS, read at start: an orchestrator never reads the
    environment). The flow runs the retries itself, rather than `call_activity_with_retry`, whose retries the
    orchestrator never sees: so the custom status says, while the flow waits, which step failed, why and when it
    is tried again (`retrying`, as for agent calls), and the flow fails right after the last attempt. All of it
    depends only on the history. A permanent failure (the activity answered `permanent_failure`) or the last
    failed attempt raises StepGaveUp; the custom status is then the one the step started with.
    """
    call = StepCall(instance_id=context.instance_id, step=step, idempotency_key=context.new_uuid())
    policy = app_settings().activity_retry
    status = context.custom_status
    attempt = 1
    while True:
        try:
            answer = yield context.call_activity(step, wire(call, request))
            break
        except Exception as error:  # the SDK raises a bare Exception carrying the attempt's reason
            reason = _reason(error)
        if attempt > 1:  # the retry it announced has happened
            context.set_custom_status(status)
        if attempt == policy.max_attempts:
            raise StepGaveUp(f"{step} failed {attempt} time(s); giving up: {reason}")
        attempt += 1
        resume_at = context.current_utc_datetime + timedelta(seconds=policy.delay_before(attempt))
        _announce_retry(context, status, step, reason, attempt, policy.max_attempts, resume_at)
        yield context.create_timer(resume_at)
    if attempt > 1:
        context.set_custom_status(status)
    return read_result(step, answer, result)


def _announce_retry(
    context: df.DurableOrchestrationContext,
    status: Any,
    step: str,
    reason: str,
    attempt: int,
    max_attempts: int,
    resume_at: datetime,
) -> None:
    """Say in the custom status (beside the flow's own) and the log that `step` failed and when `attempt` comes."""
    retrying = {
        "step": step,
        "reason": reason,
        "next_attempt": attempt,
        "max_attempts": max_attempts,
        "next_attempt_at": utc_iso(resume_at),
    }
    context.set_custom_status({**(status if isinstance(status, dict) else {}), "retrying": [retrying]})
    if not context.is_replaying:
        logger.warning(
            "%s: %s failed (%s); attempt %d of %d at %s",
            context.instance_id,
            step,
            reason,
            attempt,
            max_attempts,
            retrying["next_attempt_at"],
        )


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
