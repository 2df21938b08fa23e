"""An agent session as the entity stores it: Agent Framework's ``DurableAgentState`` JSON, read-only.

The state is a list of request and response entries linked by correlation id. Pairing them gives
one exchange per agent call, with its response time (response minus request timestamp) and usage.
Parsing is lenient: a state written by another schema version shows what can be read, never fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..store.events import parse_timestamp
from .jsonview import duration_ms, iso, parse

#: Agent Framework names each agent's entity ``dafx-<AgentName>``.
AGENT_PREFIX = "dafx-"


@dataclass(frozen=True)
class Usage:
    input: int = 0
    output: int = 0
    total: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.input + other.input, self.output + other.output, self.total + other.total)


@dataclass(frozen=True)
class Message:
    """A chat message; ``items`` keep the state's content entries (``type`` instead of ``$type``)."""

    role: str
    author: str | None
    created_at: str | None
    items: list[dict[str, Any]]


@dataclass(frozen=True)
class Exchange:
    """One agent call: the request, the response (None while it runs) and their cost."""

    correlation_id: str | None
    orchestration_id: str | None
    requested_at: str | None
    responded_at: str | None
    response_time_ms: float | None
    usage: Usage | None
    is_error: bool
    response_format: str | None
    request: list[Message]
    response: list[Message] | None
    structured_output: Any = None


@dataclass(frozen=True)
class Session:
    entity_id: str
    agent: str
    key: str
    updated_at: str | None
    schema_version: str | None
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def usage(self) -> Usage | None:
        """Tokens of the calls that reported them; None (unknown) when none did."""
        return total_usage(e.usage for e in self.exchanges)


def total_usage(usages: Iterable[Usage | None]) -> Usage | None:
    """The sum of the known usages, or None when none is known: a server that sends no usage is not "0 tokens"."""
    known = [usage for usage in usages if usage is not None]
    return sum(known, Usage()) if known else None


def split_entity_id(entity_id: str) -> tuple[str, str]:
    """``@name@key`` as (name, key); empty strings for what is not an entity id."""
    parts = entity_id.split("@", 2)
    return (parts[1], parts[2]) if len(parts) == 3 and not parts[0] else ("", "")


def is_agent(entity_id: str) -> bool:
    return split_entity_id(entity_id)[0].startswith(AGENT_PREFIX)


def read_session(entity_id: str, state_text: str | None, updated: float | None, agent: str | None = None) -> Session:
    """The session of one agent entity (``@dafx-<agent>@<key>``) from its stored state.

    ``agent`` is the agent's name as the app registers it; without it, the name its replies carry (a session
    whose calls all failed has none, so the registered name keeps its failures under the right agent).
    """
    state = _state(state_text)
    entries = _entries(state)
    responses = {e.get("correlationId"): e for e in entries if e.get("$type") == "response"}
    exchanges = [_exchange(e, responses.get(e.get("correlationId"))) for e in entries if e.get("$type") == "request"]
    name, key = split_entity_id(entity_id)
    return Session(
        entity_id=entity_id,
        agent=agent or _author(entries) or name.removeprefix(AGENT_PREFIX),
        key=key,
        updated_at=iso(updated),
        schema_version=state.get("schemaVersion"),
        exchanges=exchanges,
    )


def agent_name(state_text: str | None) -> str | None:
    """The agent's own spelling of its name, from the author of its replies."""
    return _author(_entries(_state(state_text)))


def _state(state_text: str | None) -> dict[str, Any]:
    state = parse(state_text)
    return state if isinstance(state, dict) else {}


def _entries(state: dict[str, Any]) -> list[dict[str, Any]]:
    data = state.get("data")
    history = data.get("conversationHistory") if isinstance(data, dict) else None
    return [e for e in history or [] if isinstance(e, dict)]


def _exchange(request: dict[str, Any], response: dict[str, Any] | None) -> Exchange:
    asked, answered = _time(request.get("createdAt")), _time(response.get("createdAt")) if response else None
    replies = _messages(response) if response else None
    is_error = any(i["type"] == "error" for m in replies or [] for i in m.items)
    # An agent bound to a response model (default options) sends no schema with the request: its JSON answer shows it.
    structured = _structured(replies) if replies and not is_error else None
    response_format = _format(request) or ("json" if isinstance(structured, dict) else None)
    return Exchange(
        correlation_id=request.get("correlationId"),
        orchestration_id=request.get("orchestrationId"),
        requested_at=iso(asked),
        responded_at=iso(answered),
        response_time_ms=duration_ms(asked, answered) if asked is not None else None,
        usage=_usage(response.get("usage")) if response else None,
        is_error=is_error,
        response_format=response_format,
        request=_messages(request),
        response=replies,
        structured_output=structured if response_format else None,
    )


def _messages(entry: dict[str, Any]) -> list[Message]:
    messages = [m for m in entry.get("messages") or [] if isinstance(m, dict)]
    calls = {
        c.get("callId"): c.get("name")
        for m in messages
        for c in m.get("contents") or []
        if isinstance(c, dict) and c.get("$type") == "functionCall"
    }
    return [
        Message(
            role=str(m.get("role", "")),
            author=m.get("authorName"),
            created_at=iso(_time(m.get("createdAt"))),
            items=[_item(c, calls) for c in m.get("contents") or [] if isinstance(c, dict)],
        )
        for m in messages
    ]


def _item(content: dict[str, Any], calls: dict[Any, Any]) -> dict[str, Any]:
    item = {"type": content.get("$type", "unknown"), **{k: v for k, v in content.items() if k != "$type"}}
    if item["type"] == "functionCall" and isinstance(item.get("arguments"), str):
        item["arguments"] = parse(item["arguments"])
    if item["type"] == "functionResult":
        item["name"] = calls.get(item.get("callId"))
        item["result"] = parse(item["result"]) if isinstance(item.get("result"), str) else item.get("result")
    return item


def _format(request: dict[str, Any]) -> str | None:
    """The structured output the caller asked for: the response model's name, or 'json'."""
    schema = request.get("responseSchema")
    if isinstance(schema, dict):
        return str(schema.get("qualname") or schema.get("title") or "json")
    return "json" if request.get("responseType") == "json" else None


def _structured(replies: list[Message]) -> Any:
    """The last assistant text, parsed: the durable path returns structured output as JSON text."""
    texts = [i.get("text") for m in replies if m.role == "assistant" for i in m.items if i["type"] == "text"]
    if not texts or not isinstance(texts[-1], str):
        return None
    try:
        return json.loads(texts[-1])
    except json.JSONDecodeError:
        return None


def _usage(raw: Any) -> Usage | None:
    """Token counts as the response reported them; None when it reported none (unknown, not zero)."""
    if not isinstance(raw, dict):
        return None
    counts = [raw.get(k) for k in ("inputTokenCount", "outputTokenCount", "totalTokenCount")]
    if not any(isinstance(c, (int, float)) for c in counts):
        return None
    numbers = [int(c) if isinstance(c, (int, float)) else 0 for c in counts]
    return Usage(numbers[0], numbers[1], numbers[2] or numbers[0] + numbers[1])


def _author(entries: list[dict[str, Any]]) -> str | None:
    for entry in entries:
        for message in entry.get("messages") or []:
            if isinstance(message, dict) and message.get("authorName"):
                return str(message["authorName"])
    return None


def _time(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return parse_timestamp(text)
    except ValueError:
        return None
