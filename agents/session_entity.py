"""The agents' durable entity, kept within the scheduler's limit on its state.

AgentFunctionApp's entity writes whatever the conversation has become; a turn that takes the state over 1 MiB is
refused by the scheduler after the fact, the whole operation with it: nothing is recorded, a caller waiting for the
answer never sees one, and a flow's call fails with the scheduler's message. This entity runs the framework's
`AgentEntity` unchanged, but checks the state before it is written: a turn that does not fit is not kept (the
session stays as it was) and its answer is an error with code `CONVERSATION_FULL` naming the sizes, which the caller
reads at once, as it reads a failed model call (which `AgentEntity` records itself).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df
from agent_framework import AgentResponse, Content, Message, SupportsAgentRun
from agent_framework_durabletask import (
    AgentEntity,
    AgentEntityStateProviderMixin,
    AgentResponseCallbackProtocol,
    DurableAgentStateResponse,
    run_agent_coroutine,
)

from agents.session_limits import CONVERSATION_FULL, STATE_LIMIT_BYTES, stored_bytes

logger = logging.getLogger(__name__)


def _refusal(correlation_id: str, message: str) -> tuple[AgentResponse, dict[str, Any]]:
    """A turn's answer saying it did not fit, as the framework makes a failed one (an assistant message holding an
    error content), and as the conversation history records it."""
    answer = AgentResponse(
        messages=[
            Message(role="assistant", contents=[Content.from_error(message=message, error_code=CONVERSATION_FULL)])
        ],
        created_at=datetime.now(UTC).isoformat(),
    )
    entry = DurableAgentStateResponse.from_run_response(correlation_id, answer)
    entry.is_error = True
    return answer, entry.to_dict()


class BoundedStateProvider(AgentEntityStateProviderMixin):
    """The entity's state in the Functions entity context, never written larger than `limit` bytes as stored."""

    def __init__(self, context: df.DurableEntityContext, limit: int = STATE_LIMIT_BYTES) -> None:
        self._context, self.limit = context, limit
        self.refused: AgentResponse | None = None
        """The error answer that replaced the last turn, when it did not fit."""

    def _get_state_dict(self) -> dict[str, Any]:
        state = self._context.get_state(dict)
        return state if isinstance(state, dict) else {}

    def _set_state_dict(self, state: dict[str, Any]) -> None:
        size = stored_bytes(state)
        history: list[dict[str, Any]] = state.get("data", {}).get("conversationHistory", [])
        if size > self.limit and history:
            turn = history[-1].get("correlationId", "")
            kept = [entry for entry in history if entry.get("correlationId") != turn]
            before = stored_bytes({**state, "data": {**state["data"], "conversationHistory": kept}})
            message = (
                f"with it the conversation would be {size:,} bytes as stored (JSON, non-ASCII characters escaped), "
                f"over the {self.limit:,} bytes an agent session may hold ({before:,} bytes without it)"
            )
            logger.warning("%s: turn %s not kept: %s", self.session_id, turn, message)
            self.refused, entry = _refusal(turn, message)
            history[:] = [*kept, entry]
        self._context.set_state(state)

    def _get_session_id_from_entity(self) -> str:
        return str(self._context.entity_key)


def bounded_agent_entity(
    agent: SupportsAgentRun, callback: AgentResponseCallbackProtocol | None = None
) -> Callable[[df.DurableEntityContext], None]:
    """The entity function of `agent`: the framework's `run` and `reset` operations, within the state limit."""

    async def operate(context: df.DurableEntityContext) -> None:
        provider = BoundedStateProvider(context)
        entity = AgentEntity(agent, callback, state_provider=provider)
        operation, request = context.operation_name, context.get_input()
        if operation == "reset":
            entity.reset()
            context.set_result({"status": "reset"})
            return
        if operation not in ("run", "run_agent"):
            context.set_result({"error": f"Unknown operation: {operation}"})
            return
        message = request if isinstance(request, dict) and "message" in request else str(request or "")
        answer = await entity.run(message)
        context.set_result((provider.refused or answer).to_dict())

    def entity_function(context: df.DurableEntityContext) -> None:
        run_agent_coroutine(operate(context))

    return entity_function
