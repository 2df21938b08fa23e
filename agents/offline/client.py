"""The offline model: a deterministic chat client on Agent Framework's chat-client interface.

It needs no network and never pretends to be an LLM: it reads the request, asks the
framework to run the agent's tools like a model would (function_call, then reads the
function_result), and answers with JSON for the requested response model. Token counts
are counted words and punctuation, reported like a real client's usage.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import AsyncIterable, Awaitable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from agent_framework import (
    BaseChatClient,
    ChatMiddlewareLayer,
    ChatResponse,
    ChatResponseUpdate,
    Content,
    FinishReasonLiteral,
    FunctionInvocationLayer,
    Message,
    ResponseStream,
)
from agent_framework.observability import ChatTelemetryLayer

from agents.model_calls import CREATED_AT_FORMAT
from agents.offline.skills import ToolCall, Turn, skill_for
from agents.offline.writing import OFFLINE_NOTE
from agents.repair import is_repair_request

MODEL_NAME = "offline-rules-1"
TOKEN = re.compile(r"\w+|[^\w\s]")


class OfflineChatClient(
    FunctionInvocationLayer[Any],
    ChatMiddlewareLayer[Any],
    ChatTelemetryLayer[Any],
    BaseChatClient[Any],
):
    """Rule-based stand-in for a chat model; OFFLINE_MODEL_LATENCY_MS adds a fixed delay per call."""

    OTEL_PROVIDER_NAME: ClassVar[str] = "offline"

    def __init__(self, *, latency_ms: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.latency_ms = latency_ms

    def service_url(self) -> str:
        return "offline://rules"

    def _inner_get_response(
        self,
        *,
        messages: Sequence[Message],
        stream: bool,
        options: Mapping[str, Any],
        **kwargs: Any,
    ) -> Awaitable[ChatResponse] | ResponseStream[ChatResponseUpdate, ChatResponse]:
        if not stream:
            return self.respond(messages, options)

        async def updates() -> AsyncIterable[ChatResponseUpdate]:
            response = await self.respond(messages, options)
            for message in response.messages:
                yield ChatResponseUpdate(
                    role="assistant",  # `respond` answers as the assistant only
                    contents=list(message.contents),
                    response_id=response.response_id,
                    model=MODEL_NAME,
                    created_at=response.created_at,
                )
            if response.usage_details:
                yield ChatResponseUpdate(
                    role="assistant",
                    contents=[Content.from_usage(usage_details=response.usage_details)],
                    response_id=response.response_id,
                    model=MODEL_NAME,
                    created_at=response.created_at,
                    finish_reason=response.finish_reason,
                )

        return self._build_response_stream(updates(), response_format=options.get("response_format"))

    async def respond(self, messages: Sequence[Message], options: Mapping[str, Any]) -> ChatResponse:
        """One answer to a conversation: tool calls still to make, or the final JSON (also served over HTTP in tests)."""
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        turn = read_turn(messages, options)
        skill = skill_for(options.get("response_format"), turn.instructions)
        calls = skill.plan(turn) if skill else []
        finish_reason: FinishReasonLiteral
        if pending := turn.missing_calls(calls):
            reply = Message("assistant", [_function_call(turn, call) for call in pending])
            output_text = json.dumps([call.arguments for call in pending])
            finish_reason = "tool_calls"
        else:
            output_text = skill.answer(turn).model_dump_json() if skill else _unrecognised(turn)
            reply = Message("assistant", [output_text])
            finish_reason = "stop"
        input_tokens = count_tokens(turn.instructions) + sum(count_tokens(m.text or "") for m in messages)
        input_tokens += sum(count_tokens(json.dumps(r)) for r in turn.tool_results.values())
        output_tokens = count_tokens(output_text)
        return ChatResponse(
            messages=[reply],
            response_id=f"offline-{_digest(turn.prompt, output_text)}",
            model=MODEL_NAME,
            created_at=datetime.now(UTC).strftime(CREATED_AT_FORMAT),
            finish_reason=finish_reason,
            usage_details={
                "input_token_count": input_tokens,
                "output_token_count": output_tokens,
                "total_token_count": input_tokens + output_tokens,
            },
        )


def read_turn(messages: Sequence[Message], options: Mapping[str, Any]) -> Turn:
    """Split the conversation into the current request (from the last user message on) and what came before.

    A repair turn is not a new request: the request before it is answered again, correctly this time.
    """
    last_user = max(
        (i for i, m in enumerate(messages) if m.role == "user" and not is_repair_request(m.text or "")), default=-1
    )
    names: dict[str, str] = {}
    results: dict[str, object] = {}
    for message in messages[last_user + 1 :]:
        for content in message.contents:
            if content.type == "function_call" and content.call_id and content.name:
                names[content.call_id] = content.name
            elif content.type == "function_result" and content.call_id in names:
                results[names[content.call_id]] = _decode(content.result)
    tools = options.get("tools") or []
    return Turn(
        instructions=str(options.get("instructions") or ""),
        prompt=messages[last_user].text if last_user >= 0 else "",
        offered_tools=frozenset(getattr(t, "name", "") for t in tools),
        tool_results=results,
        earlier_answers=tuple(m.text for m in messages[: max(last_user, 0)] if m.role == "assistant" and m.text),
    )


def count_tokens(text: str) -> int:
    """Words and punctuation marks: the offline model's honest stand-in for a tokenizer."""
    return len(TOKEN.findall(text))


def _function_call(turn: Turn, call: ToolCall) -> Content:
    return Content.from_function_call(
        f"offline-{_digest(turn.prompt, call.name)}", call.name, arguments=dict(call.arguments)
    )


def _decode(result: object) -> object:
    if isinstance(result, str):
        try:
            return json.loads(result)
        except json.JSONDecodeError:
            return result
    return result


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _unrecognised(turn: Turn) -> str:
    return (
        f"This is the {OFFLINE_NOTE}. It only handles the tasks of this app's agents (spam checks, replies, research notes, "
        "summaries, articles) and did not recognise this request. Configure AZURE_OPENAI_* or OPENAI_* settings "
        "for a real model."
    )
