"""Functions that never return: an activity, an entity operation (an agent whose model call hangs) and a
synchronous HTTP function. Each leaves a marker file when it starts, so a test knows they are in flight."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
SCRATCH = Path(os.environ.get("HANG_SCRATCH", "/tmp"))


def hang_forever(marker: str) -> None:
    (SCRATCH / marker).write_text("started")
    threading.Event().wait()


@app.activity_trigger(input_name="name")
def hang(name: str) -> None:
    hang_forever(f"activity-{name}")


@app.entity_trigger(context_name="context")
def sleeper(context: df.DurableEntityContext) -> None:
    hang_forever(f"entity-{context.entity_key}")


@app.orchestration_trigger(context_name="context")
def stuck(context: df.DurableOrchestrationContext):
    sleeper = df.EntityId("sleeper", "k")
    yield context.task_all([context.call_activity("hang", "a"), context.call_entity(sleeper, "nap")])


@app.route(route="hang", methods=["GET"])
def hang_http(req: func.HttpRequest) -> func.HttpResponse:
    hang_forever("http")
    return func.HttpResponse("unreachable")
