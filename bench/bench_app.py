"""Orchestrations of the shapes the benchmark measures (kept apart from the real app)."""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.activity_trigger(input_name="value")
def step(value: int) -> int:
    return value + 1


@app.orchestration_trigger(context_name="context")
def five_steps(context: df.DurableOrchestrationContext):
    """The DTS benchmark shape: five activities in sequence."""
    value = 0
    for _ in range(5):
        value = yield context.call_activity("step", value)
    return value


@app.orchestration_trigger(context_name="context")
def many_steps(context: df.DurableOrchestrationContext):
    value = 0
    for _ in range(context.get_input()):
        value = yield context.call_activity("step", value)
    return value


@app.orchestration_trigger(context_name="context")
def await_approval(context: df.DurableOrchestrationContext):
    context.set_custom_status("awaiting approval")
    decision = yield context.wait_for_external_event("ApprovalDecision")
    return decision
