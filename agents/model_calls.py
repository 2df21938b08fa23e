"""Every model request bounded in time and output, with failures that name their cause.

`ModelCallGuard` is chat middleware: it runs around each request the agents send to the chat
client (each round of a tool-calling loop is its own request). It adds the output-token cap,
enforces the request deadline (the SDK's own timeout is between bytes, so a server that keeps
trickling would never time out), and re-raises whatever went wrong as a `ModelCallError` that
says transient or permanent. Retrying is not done here: the flows retry on durable timers.

Servers differ in what they accept, so two things adapt to the first answer that says so, and
the request is sent again at once (no retry spent, logged once):
- structured output steps down from `json_schema` to `json_object` with the schema inside
  `response_format` (llama.cpp and llama-cpp-python turn it into a grammar), then to bare
  `json_object`; with `json_object` the schema is also spelled out in the instructions. A
  rejection is recognised by what the server says, whatever the status: llama-cpp-python answers
  an unknown format with HTTP 500;
- the output cap travels as `max_tokens` or `max_completion_tokens` (`ModelSettings.first_output_cap_field`),
  switching to the other when the server rejects the one sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from agent_framework import ChatContext, ChatMiddleware, ChatResponse
from pydantic import BaseModel

from agents.model_errors import ModelCallError, ModelRejected, describe_failure
from settings import OutputCapField, ResponseFormatMode

logger = logging.getLogger(__name__)

CREATED_AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
"""The timestamp format of the framework's OpenAI clients; the durable agent state reads `created_at` from every answer."""

JSON_OBJECT_INSTRUCTIONS = """

Answer with one JSON object and nothing else (no prose, no code fence). It must match this JSON schema for {name}:
{schema}"""

StructuredForm = Literal["json_schema", "json_object_with_schema", "json_object"]
FORMS: tuple[StructuredForm, ...] = ("json_schema", "json_object_with_schema", "json_object")
"""How a response model is asked for, from the most to the least constrained."""
FORM_NAMES: dict[StructuredForm, str] = {
    "json_schema": "json_schema",
    "json_object_with_schema": "json_object (with the schema in response_format)",
    "json_object": "json_object",
}

GRAMMAR_TEXT_CHARACTERS, GRAMMAR_LIST_ITEMS, GRAMMAR_ITEM_CHARACTERS = 1000, 8, 300
"""Bounds of texts, lists and list items in a grammar; llama.cpp builds none for a text over 2,000 characters."""
FORMAT_WORDS = ("response_format", "json_schema", "json_object")
UNSUPPORTED_WORDS = ("unsupported", "not supported", "unrecognized", "unknown", "extra", "not permitted", "not allowed")


class ModelCallGuard(ChatMiddleware):
    """Deadline, output cap and clear failures for every request to one model endpoint."""

    def __init__(
        self,
        *,
        endpoint: str,
        timeout_seconds: float,
        max_output_tokens: int,
        output_cap_field: OutputCapField = "max_completion_tokens",
        cap_field_may_change: bool = False,
        response_format: ResponseFormatMode = "json_schema",
    ) -> None:
        self.endpoint = endpoint
        self.timeout_seconds = timeout_seconds
        self.max_output_tokens = max_output_tokens
        self.output_cap_field: OutputCapField = output_cap_field
        self.cap_field_may_change = cap_field_may_change
        self.form: StructuredForm = "json_object_with_schema" if response_format == "json_object" else "json_schema"
        self.form_may_change = response_format != "json_schema"

    async def process(self, context: ChatContext, call_next: Callable[[], Awaitable[None]]) -> None:
        wanted = dict(context.options or {})
        while True:
            context.options = self.request_options(wanted)
            try:
                await self._bounded(context, call_next)
                return
            except ModelCallError as failure:
                structured = _schema_model(wanted) is not None
                if self.adapt(str(failure), structured):
                    continue
                if structured and failure.transient and _names_format(str(failure)):
                    raise ModelRejected(
                        f"{failure} (the server does not take the {FORM_NAMES[self.form]} response format; "
                        "MODEL_RESPONSE_FORMAT=auto finds one it takes)"
                    ) from failure
                raise

    def request_options(self, wanted: Mapping[str, Any]) -> dict[str, Any]:
        """The agent's options with the output cap in the field this endpoint honours and the structured form it takes."""
        options = dict(wanted)
        cap = options.pop("max_tokens", self.max_output_tokens)
        if self.output_cap_field == "max_completion_tokens":
            options["max_tokens"] = cap  # the framework sends it as max_completion_tokens
        else:
            options["extra_body"] = {**(options.get("extra_body") or {}), "max_tokens": cap}
        model = _schema_model(options)
        if model is None or self.form == "json_schema":
            return options
        schema = grammar_schema(model)
        instructions = str(options.get("instructions") or "") + JSON_OBJECT_INSTRUCTIONS.format(
            name=model.__name__, schema=json.dumps(schema, separators=(",", ":"))
        )
        response_format: dict[str, Any] = {"type": "json_object"}
        if self.form == "json_object_with_schema":
            response_format["schema"] = schema
        return {**options, "response_format": response_format, "instructions": instructions}

    def adapt(self, failure: str, structured: bool) -> bool:
        """Change what is sent when the failure says the server does not take it; False when nothing can change."""
        text = failure.lower()
        sent = self.output_cap_field
        if self.cap_field_may_change and sent in text and any(word in text for word in UNSUPPORTED_WORDS):
            self.output_cap_field = "max_tokens" if sent == "max_completion_tokens" else "max_completion_tokens"
            self.cap_field_may_change = False
            logger.warning(
                "%s does not take %s (%s); sending the output cap as %s from now on. Set MODEL_MAX_TOKENS_FIELD=%s "
                "to skip this first attempt.",
                self.endpoint,
                sent,
                failure,
                self.output_cap_field,
                self.output_cap_field,
            )
            return True
        if structured and self.form_may_change and _names_format(text):
            rejected, self.form = self.form, FORMS[FORMS.index(self.form) + 1]
            self.form_may_change = self.form != FORMS[-1]
            logger.warning(
                "%s rejected the %s response format (%s); sending %s, with the schema in the instructions, from now on.%s",
                self.endpoint,
                FORM_NAMES[rejected],
                failure,
                FORM_NAMES[self.form],
                " Set MODEL_RESPONSE_FORMAT=json_object to skip this first attempt."
                if rejected == "json_schema"
                else "",
            )
            return True
        return False

    async def _bounded(self, context: ChatContext, call_next: Callable[[], Awaitable[None]]) -> None:
        try:
            async with asyncio.timeout(self.timeout_seconds):
                await call_next()
        except Exception as error:
            raise describe_failure(error, self.endpoint, self.timeout_seconds) from error
        if isinstance(context.result, ChatResponse):
            # Servers stamp answers with a whole second of their own clock; the conversation's response
            # times are measured against the request's timestamp, which is ours.
            context.result.created_at = datetime.now(UTC).strftime(CREATED_AT_FORMAT)


def grammar_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The answer's JSON schema with bounds a grammar enforces while the model writes, so a small model that
    repeats itself stops at the end of a text or a list instead of at the output cap, and writes no empty text:
    every text and list is bounded, then the model's own `GRAMMAR_HINTS` apply."""
    schema = model.model_json_schema()
    hints: Mapping[str, Mapping[str, Any]] = getattr(model, "GRAMMAR_HINTS", {})
    for name, field in schema.get("properties", {}).items():
        if field.get("type") == "string":
            field.update(minLength=1, maxLength=GRAMMAR_TEXT_CHARACTERS)
        elif field.get("type") == "array":
            field["maxItems"] = GRAMMAR_LIST_ITEMS
            if field.get("items", {}).get("type") == "string":
                field["items"]["maxLength"] = GRAMMAR_ITEM_CHARACTERS
        field.update(hints.get(name, {}))
        for key in [key for key, value in field.items() if value is None]:  # a hint of None lifts a bound
            del field[key]
    return schema


def _names_format(failure: str) -> bool:
    """Whether a failure speaks of the response format (a server that does not take it says so, whatever the status)."""
    text = failure.lower()
    return any(word in text for word in FORMAT_WORDS)


def _schema_model(options: Mapping[str, Any]) -> type[BaseModel] | None:
    wanted = options.get("response_format")
    return wanted if isinstance(wanted, type) and issubclass(wanted, BaseModel) else None
