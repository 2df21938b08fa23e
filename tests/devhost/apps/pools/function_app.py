"""Slow activities (mail over a stalled SMTP server) filling every activity slot host.json allows, and an
agent (an entity) that must still answer meanwhile."""

from __future__ import annotations

import os
import time
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
SCRATCH = Path(os.environ.get("POOLS_SCRATCH", "/tmp"))


@app.activity_trigger(input_name="recipient")
def send_mail_slowly(recipient: str) -> str:
    (SCRATCH / f"sending-{recipient}").touch()
    while not (SCRATCH / "smtp-answers").exists():
        time.sleep(0.05)
    return f"sent to {recipient}"


@app.entity_trigger(context_name="context")
def assistant(context: df.DurableEntityContext) -> None:
    context.set_result(f"answer to {context.get_input()}")


@app.orchestration_trigger(context_name="context")
def mail(context: df.DurableOrchestrationContext):
    return (yield context.call_activity("send_mail_slowly", context.get_input()))


@app.orchestration_trigger(context_name="context")
def ask(context: df.DurableOrchestrationContext):
    return (yield context.call_entity(df.EntityId("assistant", "a1"), "ask", context.get_input()))
