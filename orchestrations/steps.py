"""Helpers every flow uses to call activities and report progress the same way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import azure.durable_functions as df


class AgentProxy(Protocol):
    """What a flow needs from an agent proxy (`AgentFunctionApp.get_agent`)."""

    def create_session(self) -> Any: ...

    def run(self, messages: str, *, session: Any, options: dict[str, Any]) -> Any: ...


AgentLookup = Callable[[str], AgentProxy]
"""Returns the durable proxy of a registered agent by name, bound to the running orchestration."""


def call_step(context: df.DurableOrchestrationContext, step: str, **payload: Any) -> Any:
    """Schedule the activity named `step`; its input carries the instance id and step, the idempotency key."""
    return context.call_activity(step, {"instance_id": context.instance_id, "step": step, **payload})


def set_stage(context: df.DurableOrchestrationContext, stage: str, **details: Any) -> None:
    """Publish progress in the custom status, always with a `stage` field."""
    context.set_custom_status({"stage": stage, **details})


def utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z suffix."""
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
