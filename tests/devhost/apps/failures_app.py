"""Failures as the Durable extension reports them: an orchestrator that fails after setting its custom status,
an activity whose exception its orchestrator catches, a failing sub-orchestration; and failed instances to
rewind once the broken activity is fixed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.activity_trigger(input_name="reason")
def explode(reason: str) -> None:
    raise ValueError(reason)


@app.orchestration_trigger(context_name="context")
def fails_midway(context: df.DurableOrchestrationContext):
    context.set_custom_status({"stage": "checking"})
    yield context.call_activity("explode", "first")


@app.orchestration_trigger(context_name="context")
def catches_activity_error(context: df.DurableOrchestrationContext):
    try:
        yield context.call_activity("explode", "disk on fire")
    except Exception as error:
        return str(error)


@app.orchestration_trigger(context_name="context")
def catches_child_error(context: df.DurableOrchestrationContext):
    try:
        yield context.call_sub_orchestrator("fails_midway")
    except Exception as error:
        return str(error)


# -- rewind: activities that fail until the test "fixes" them (a file in FAILURES_SCRATCH) -----------------------

SCRATCH = Path(os.environ.get("FAILURES_SCRATCH", "/tmp"))


def count_run(name: str) -> int:
    with open(SCRATCH / f"runs-{name}", "a", encoding="utf-8") as runs:
        runs.write("run\n")
    return len((SCRATCH / f"runs-{name}").read_text().splitlines())


@app.activity_trigger(input_name="name")
def fails_until_fixed(name: str) -> str:
    count_run(name)
    if not (SCRATCH / "fixed").exists():
        raise RuntimeError(f"{name} is broken")
    return f"{name} ok"


@app.activity_trigger(input_name="name")
def steady(name: str) -> str:
    """Succeeds; a slow one only once the test has fixed the broken one, so it is still running when that fails."""
    count_run(name)
    while name.startswith("slow") and not (SCRATCH / "fixed").exists():
        time.sleep(0.05)
    return f"{name} ok"


@app.orchestration_trigger(context_name="context")
def step_then_broken(context: df.DurableOrchestrationContext):
    first = yield context.call_activity("steady", "first")
    second = yield context.call_activity("fails_until_fixed", "second")
    return [first, second]


@app.orchestration_trigger(context_name="context")
def fan_out_with_a_broken_one(context: df.DurableOrchestrationContext):
    """The broken one fails the instance while the slow one still runs."""
    return (
        yield context.task_all(
            [context.call_activity("steady", "slow"), context.call_activity("fails_until_fixed", "fanned")]
        )
    )


@app.orchestration_trigger(context_name="context")
def retries_then_gives_up(context: df.DurableOrchestrationContext):
    options = df.RetryOptions(first_retry_interval_in_milliseconds=50, max_number_of_attempts=2)
    return (yield context.call_activity_with_retry("fails_until_fixed", options, "retried"))


@app.orchestration_trigger(context_name="context")
def parent_of_broken(context: df.DurableOrchestrationContext):
    return {"child": (yield context.call_sub_orchestrator("step_then_broken"))}
