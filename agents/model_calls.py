"""Every model request bounded in time and output, with failures that name their cause.

`ModelCallGuard` is chat middleware: it runs around each request the agents send to the chat
client (each round of a tool-calling loop is its own request). It adds the output-token cap,
enforces the request deadline (the SDK's own timeout is between bytes, so a server that keeps
trickling would never time out), and re-raises whatever went wrong as a `ModelCallError` that
says transient or permanent. Retrying is not done here: the flows retry on durable timers.

Structured output: servers that do not support `json_schema` response formats (older
OpenAI-compatible servers) get `json_object` with the schema spelled out in the instructions,
either always (`MODEL_RESPONSE_FORMAT=json_object`) or from the first rejection on (`auto`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from agent_framework import ChatContext, ChatMiddleware, ChatResponse
from pydantic import BaseModel

from agents.model_errors import ModelRejected, describe_failure
from settings import ResponseFormatMode

logger = logging.getLogger(__name__)

CREATED_AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
"""The timestamp format of the framework's OpenAI clients; the durable agent state reads `created_at` from every answer."""

JSON_OBJECT_INSTRUCTIONS = """

Answer with one JSON object and nothing else (no prose, no code fence). It must match this JSON schema for {name}:
{schema}"""


class ModelCallGuard(ChatMiddleware):
    """Deadline, output cap and clear failures for every request to one model endpoint."""

    def __init__(
        self, *, endpoint: str, timeout_seconds: float, max_output_tokens: int, response_format: ResponseFormatMode
    ) -> None:
        self.endpoint = endpoint
        self.timeout_seconds = timeout_seconds
        self.max_output_tokens = max_output_tokens
        self.json_object = response_format == "json_object"
        self.may_fall_back = response_format == "auto"

    async def process(self, context: ChatContext, call_next: Callable[[], Awaitable[None]]) -> None:
        options = {"max_tokens": self.max_output_tokens, **(context.options or {})}
        context.options = as_json_object(options) if self.json_object else options
        try:
            await self._bounded(context, call_next)
        except ModelRejected as rejected:
            if not (self.may_fall_back and _schema_rejected(rejected) and _schema_model(context.options)):
                raise
            logger.warning(
                "%s rejected the json_schema response format (%s); sending json_object with the schema in the "
                "instructions from now on. Set MODEL_RESPONSE_FORMAT=json_object to skip this first attempt.",
                self.endpoint,
                rejected,
            )
            self.json_object, self.may_fall_back = True, False
            context.options = as_json_object(context.options)
            await self._bounded(context, call_next)

    async def _bounded(self, context: ChatContext, call_next: Callable[[], Awaitable[None]]) -> None:
        try:
            async with asyncio.timeout(self.timeout_seconds):
                await call_next()
        except Exception as error:
            raise describe_failure(error, self.endpoint, self.timeout_seconds) from error
        if isinstance(context.result, ChatResponse):
            # Servers stamp answers with a whole second of their own clock; the conversation's response
            # times are measured against the request's timestamp, which is ours.
            context.result.created_at = datetime.now(timezone.utc).strftime(CREATED_AT_FORMAT)


def as_json_object(options: Mapping[str, Any]) -> dict[str, Any]:
    """Ask for any JSON object, and state the wanted schema in the instructions instead."""
    model = _schema_model(options)
    if model is None:
        return dict(options)
    schema = json.dumps(model.model_json_schema(), separators=(",", ":"))
    instructions = str(options.get("instructions") or "") + JSON_OBJECT_INSTRUCTIONS.format(
        name=model.__name__, schema=schema
    )
    return {**options, "response_format": {"type": "json_object"}, "instructions": instructions}


def _schema_model(options: Mapping[str, Any]) -> type[BaseModel] | None:
    wanted = options.get("response_format")
    return wanted if isinstance(wanted, type) and issubclass(wanted, BaseModel) else None


def _schema_rejected(error: ModelRejected) -> bool:
    text = str(error)
    return text.startswith(("HTTP 400", "HTTP 422")) and ("json_schema" in text or "response_format" in text)
