"""One message to one agent from outside the flows: `POST /api/agents/<Name>/run` and the agent's MCP tool.

Served by the app instead of AgentFunctionApp's own route and tool, for two reasons:
- Truth: the framework's durable entity records a failed model call as an answer holding an error content and
  no text, and its route and tool read only the text, so a dead model came back as `200 {"response": ""}` and as
  an empty tool result. Here the answer is read whole: a model failure is a 5xx (503 with Retry-After when it is
  worth trying again, 502 when the model refused the request) or an `isError` tool result, naming the cause.
- Isolation: the flows keep their agent conversations in sessions of the same entities. A caller's session id
  is mapped into a namespace of its own (`CALLER_SESSION_PREFIX`), which the flows' sessions (keys made from
  `context.new_uuid()`) never use, so no request from outside can write into a flow's conversation.
- Bounds: a session's conversation lives in the entity's state, which may not pass 1 MiB as stored
  (agents/session_limits.py). A session without room for the message and an answer is refused before anything is
  sent (409, naming the session); a turn that did not fit after all is answered by the entity with a
  `ConversationFull` error, read here at once like any failed run (409, or 413 when the session held nothing else).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df
from agent_framework_durabletask import (
    REQUEST_RESPONSE_FORMAT_JSON,
    AgentSessionId,
    DurableAgentState,
    DurableAgentStateEntry,
    DurableAgentStateErrorContent,
    DurableAgentStateRequest,
    DurableAgentStateResponse,
    RunRequest,
)

from agents.catalog import ANSWERS
from agents.model_errors import TRANSIENT_ERRORS, ModelRejected, retry_after
from agents.session_limits import ANSWER_ROOM_BYTES, CONVERSATION_FULL, STATE_LIMIT_BYTES, stored_bytes
from api.http import Refused
from orchestrations.inputs import AgentMessage

logger = logging.getLogger(__name__)

AGENTS = tuple(ANSWERS)
"""The agents a caller can reach, each under its registered name."""
CALLER_SESSION_PREFIX = "caller-"
"""Entity keys of callers' sessions start with this; a flow's session keys are bare UUIDs."""
MAX_WAIT_SECONDS = 220.0
"""Azure's front end drops an HTTP request after 230 s: answer before that."""
FIRST_POLL_SECONDS, LAST_POLL_SECONDS = 0.05, 1.0
NEW_SESSION = "continue in a new session (another session_id, or none for a new one)"


@dataclass(frozen=True)
class AgentAnswer:
    agent: str
    session_id: str
    correlation_id: str
    text: str

    def body(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "response": self.text,
            "session_id": self.session_id,
            "status": "success",
            "correlation_id": self.correlation_id,
        }


def check_agent(name: str) -> str:
    """`name` when it is one of the app's agents, else Refused (404) listing them."""
    if name not in AGENTS:
        raise Refused(f"No agent named {name!r}", 404, agents=list(AGENTS))
    return name


def wait_for(model_timeout_seconds: float) -> float:
    """How long a caller waits for one agent run: a few model requests (a tool-calling turn makes several), within
    Azure's HTTP limit."""
    return min(MAX_WAIT_SECONDS, 3 * model_timeout_seconds + 10)


async def run_agent(
    client: df.DurableOrchestrationClient, agent: str, request: AgentMessage, wait_seconds: float
) -> AgentAnswer:
    """Send `request` to `agent` in the caller's session and wait for the answer; Refused (5xx) naming the cause when
    the run failed or did not end within `wait_seconds`."""
    session_id = request.session_id or uuid.uuid4().hex
    entity = df.EntityId(AgentSessionId.to_entity_name(agent), CALLER_SESSION_PREFIX + session_id)
    correlation_id = uuid.uuid4().hex
    run = RunRequest(
        message=request.message,
        correlation_id=correlation_id,
        role="user",
        request_response_format=REQUEST_RESPONSE_FORMAT_JSON,
        created_at=datetime.now(UTC),
    )
    details = {"agent": agent, "session_id": session_id, "correlation_id": correlation_id}
    state = await _state(client, entity)
    history = _conversation(state)
    _check_room(history, stored_bytes(state), run, agent, details)
    await client.signal_entity(entity, "run", run.to_dict())
    deadline, pause = time.monotonic() + wait_seconds, FIRST_POLL_SECONDS
    while True:
        response = _response(_conversation(await _state(client, entity)), correlation_id)
        if response is not None:
            _raise_if_failed(response, agent, details, new_session=not _holds_turns(history))
            text = DurableAgentStateResponse.to_run_response(response).text
            return AgentAnswer(agent, session_id, correlation_id, text)
        if time.monotonic() >= deadline:
            raise Refused(
                f"{agent} did not answer within {wait_seconds:g} s; the model may still be working on it",
                504,
                **details,
            )
        await asyncio.sleep(pause)
        pause = min(LAST_POLL_SECONDS, pause * 2)


async def _state(client: df.DurableOrchestrationClient, entity: df.EntityId) -> dict[str, Any]:
    """The session's entity state as stored (empty for a new session)."""
    state = await client.read_entity_state(entity)
    if not state or not state.entity_exists or not isinstance(state.entity_state, dict):
        return {}
    return state.entity_state


def _conversation(state: dict[str, Any]) -> list[DurableAgentStateEntry]:
    return DurableAgentState.from_dict(state).data.conversation_history if state else []


def _response(history: list[DurableAgentStateEntry], correlation_id: str) -> DurableAgentStateResponse | None:
    return next(
        (e for e in history if isinstance(e, DurableAgentStateResponse) and e.correlation_id == correlation_id), None
    )


def _holds_turns(history: list[DurableAgentStateEntry]) -> bool:
    """Whether the session kept any turn (a session whose every turn was refused is as good as new)."""
    return any(isinstance(entry, DurableAgentStateRequest) for entry in history)


def _check_room(
    history: list[DurableAgentStateEntry], size: int, run: RunRequest, agent: str, details: dict[str, Any]
) -> None:
    """Refused (409) when the session cannot take this message and an answer, or its turns left no room for the last
    one (a full session stays full: the caller is told to start a new one): nothing is sent then. A message too
    large for any session is refused before, by AgentMessage, or after its turn, with 413."""
    session, holds_turns = details["session_id"], _holds_turns(history)
    last_error = _error(history[-1]) if history else None
    if holds_turns and last_error and last_error.error_code == CONVERSATION_FULL:
        raise Refused(
            f"Session {session!r} of {agent} is full: its last turn did not fit; {NEW_SESSION}", 409, **details
        )
    needed = stored_bytes(DurableAgentStateRequest.from_run_request(run).to_dict()) + ANSWER_ROOM_BYTES
    if holds_turns and size + needed > STATE_LIMIT_BYTES:
        raise Refused(
            f"Session {session!r} of {agent} is full: its conversation is {size:,} bytes as stored and this message "
            f"with room for an answer needs {needed:,} more, over the {STATE_LIMIT_BYTES:,} bytes a session may "
            f"hold; {NEW_SESSION}",
            409,
            **details,
        )


def _error(entry: DurableAgentStateEntry) -> DurableAgentStateErrorContent | None:
    """The error content of a failed run's answer."""
    errors = [c for m in entry.messages for c in m.contents if isinstance(c, DurableAgentStateErrorContent)]
    return errors[0] if errors else None


def _raise_if_failed(
    response: DurableAgentStateResponse, agent: str, details: dict[str, Any], new_session: bool
) -> None:
    """Refused naming the cause when the entity recorded the run as failed (its answer holds an error content); a
    turn that did not fit is 413 in a session that held nothing else (the message is too large), else 409."""
    error = _error(response)
    if error is None:
        return
    cause, kind = error.message or "no message", error.error_code or "Exception"
    logger.warning("%s failed for a caller: %s: %s", agent, kind, cause)
    if kind == CONVERSATION_FULL:
        session = details["session_id"]
        where = "this message and its answer do not fit in one session" if new_session else NEW_SESSION
        raise Refused(
            f"Session {session!r} of {agent} could not keep this turn: {cause}; {where}",
            413 if new_session else 409,
            **details,
        )
    if kind in TRANSIENT_ERRORS:
        wait = retry_after(cause)
        extra = {"retry_after_seconds": wait} if wait is not None else {}
        raise Refused(f"{agent} could not answer: the model is unavailable ({cause})", 503, **details, **extra)
    if kind == ModelRejected.__name__:
        raise Refused(f"{agent} could not answer: the model refused the request ({cause})", 502, **details)
    raise Refused(f"{agent} failed: {kind}: {cause}", 500, **details)
