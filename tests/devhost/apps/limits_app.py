"""Payloads at and past the limits Azure enforces: custom status size, message size, instance id length."""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.activity_trigger(input_name="size")
def text_of(size: int) -> str:
    return "x" * size


@app.orchestration_trigger(context_name="context")
def status_of_size(context: df.DurableOrchestrationContext):
    """Sets a first custom status, then one of ``count`` times ``char``."""
    spec = context.get_input()
    context.set_custom_status("before")
    yield context.call_activity("text_of", 1)
    context.set_custom_status(spec["char"] * spec["count"])
    yield context.call_activity("text_of", 1)
    return "done"


@app.orchestration_trigger(context_name="context")
def output_of_size(context: df.DurableOrchestrationContext):
    return "x" * context.get_input()


@app.orchestration_trigger(context_name="context")
def activity_result_of_size(context: df.DurableOrchestrationContext):
    try:
        text = yield context.call_activity("text_of", context.get_input())
    except Exception as error:
        return str(error).split(" \n ")[0]
    return len(text)


@app.orchestration_trigger(context_name="context")
def waits(context: df.DurableOrchestrationContext):
    return (yield context.wait_for_external_event("Go"))
