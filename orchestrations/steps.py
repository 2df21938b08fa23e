"""Helpers every flow uses to call agents and activities the same way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import azure.durable_functions as df
from pydantic import BaseModel


class DurableAgent(Protocol):
    """What a flow needs from an agent proxy (`AgentFunctionApp.get_agent`)."""

    def create_session(self) -> Any: ...

    def run(self, messages: str, *, session: Any, options: dict[str, Any]) -> Any: ...


AgentLookup = Callable[[str], DurableAgent]
"""Returns the durable proxy of a registered agent by name, bound to the running orchestration."""


def ask(agent: DurableAgent, prompt: str, answer_model: type[BaseModel], session: Any = None) -> Any:
    """Schedule an agent run that must answer with `answer_model`; yield the returned task.

    A new session is a new conversation; pass one to continue an earlier conversation.
    """
    return agent.run(
        messages=prompt,
        session=session if session is not None else agent.create_session(),
        options={"response_format": answer_model},
    )


def answer(response: Any) -> dict[str, Any]:
    """The parsed answer of a finished agent run as plain JSON (orchestration outputs must be JSON)."""
    return response.value.model_dump(mode="json")


def call_step(context: df.DurableOrchestrationContext, step: str, **payload: Any) -> Any:
    """Schedule the activity named `step`; its input carries the instance id and step, the idempotency key."""
    return context.call_activity(step, {"instance_id": context.instance_id, "step": step, **payload})


def set_stage(context: df.DurableOrchestrationContext, stage: str, **details: Any) -> None:
    """Publish progress in the custom status, always with a `stage` field."""
    context.set_custom_status({"stage": stage, **details})


def utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z suffix."""
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
