"""Failures as the Durable extension reports them: an orchestrator that fails after setting its custom status,
an activity whose exception its orchestrator catches, and a failing sub-orchestration."""

from __future__ import annotations

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
