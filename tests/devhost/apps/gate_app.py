"""An activity and an entity operation (an agent call) that count their runs, then wait at a gate (a file
the test creates) before they return, so a test can break the store while they are in flight; each leaves an
empty file as it returns, which a file-size limit of one byte still lets it create."""

from __future__ import annotations

import os
import time
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
SCRATCH = Path(os.environ.get("GATE_SCRATCH", "/tmp"))


def count_run_then_wait_for_gate(name: str) -> str:
    with open(SCRATCH / f"runs-{name}", "a", encoding="utf-8") as runs:
        runs.write("run\n")
    while not (SCRATCH / "gate-open").exists():  # only reads: the test may have made writes fail by now
        time.sleep(0.05)
    (SCRATCH / f"returned-{name}").touch()
    return f"{name} done"


@app.activity_trigger(input_name="name")
def gated(name: str) -> str:
    return count_run_then_wait_for_gate(name)


@app.entity_trigger(context_name="context")
def agent(context: df.DurableEntityContext) -> None:
    context.set_state({"answered": context.get_input()})
    context.set_result(count_run_then_wait_for_gate(f"agent-{context.entity_key}"))


@app.orchestration_trigger(context_name="context")
def through_gate(context: df.DurableOrchestrationContext):
    results = yield context.task_all(
        [
            context.call_activity("gated", "mail"),
            context.call_entity(df.EntityId("agent", "a1"), "ask", "question"),
        ]
    )
    return results
