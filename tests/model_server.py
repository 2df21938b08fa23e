"""A scripted OpenAI-compatible Chat Completions server on loopback, for model faults in tests.

It answers like a model that knows this app's agents (the offline model's rules, spoken over
HTTP: tool calls, `json_schema` and `json_object` response formats, token usage), on the OpenAI
path (`/v1/chat/completions`) and the Azure OpenAI deployment path
(`/openai/deployments/<name>/chat/completions`). Faults are scripted per agent and consumed in
order: HTTP errors with the endpoint's own error body, Retry-After, hangs, a body that trickles,
a connection cut mid-body, empty choices, malformed or wrong JSON, absurd values, a model that
ignores its tools, a server without `json_schema` support or without token usage, a model that
runs on until its output cap. Every request is recorded.

A `ServerProfile` says what kind of server it is: the default behaves like OpenAI;
`LLAMA_CPP_PYTHON` like llama-cpp-python's server with a small model, as people run it on a
laptop: `json_schema` refused with HTTP 500, only `max_tokens` honoured, no tool calls, valid
JSON only when the schema comes in `response_format` (a grammar), one slot that goes on
generating after the client left, and a model list that names the model file.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from agent_framework import Content, Message
from aiohttp import web

from agents import models
from agents.offline import OfflineChatClient
from devhost.process import free_port

AGENT_NAME = re.compile(r"You are (\w+)")
TRANSPORT_FAULTS = frozenset(
    {"status", "no_json_schema", "hang", "trickle", "empty_choices", "cut", "ignore_tools", "no_usage", "runaway"}
)
SPOILERS = frozenset({"truncated", "raw_newline", "fenced", "wrong_schema", "override", "prose"})
"""Faults that spoil a final answer: they wait for the first request that gets one (not a tool-call round)."""


LLAMA_CPP_PYTHON_FORMAT_ERROR = (
    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': \"Input should "
    "be 'text' or 'json_object'\", 'input': 'json_schema', 'ctx': {'expected': \"'text' or 'json_object'\"}}\n\n  File "
    '"/opt/llama-venv/lib/python3.11/site-packages/llama_cpp/server/app.py", line 376, in create_chat_completion\n'
    "    POST /v1/chat/completions"
)
"""What llama-cpp-python's server answers (HTTP 500) to a `json_schema` response format, internals included."""
RUNAWAY_TOKENS = 1_000_000
"""How long a runaway model goes on when nothing it honours caps it: for the length of any test."""


@dataclass(frozen=True)
class ServerProfile:
    """What kind of server this is: which models it lists, what it honours and how fast it generates."""

    models: tuple[str, ...] = ("scripted",)
    json_schema_rejection: tuple[int, str] | None = None
    """Status and message with which it refuses the `json_schema` response format; None: it takes it."""
    cap_fields: frozenset[str] = frozenset({"max_tokens", "max_completion_tokens"})
    calls_tools: bool = True
    needs_schema_in_response_format: bool = False
    """Answers the schema only when it comes in `response_format` (a grammar); else JSON of its own making."""
    slots: int | None = None
    """Requests generated at once; the others queue. None: no limit."""
    seconds_per_token: float = 0.0


LLAMA_CPP_PYTHON = ServerProfile(
    models=("/models/SmolLM2-135M-Instruct-Q8_0.gguf",),
    json_schema_rejection=(500, LLAMA_CPP_PYTHON_FORMAT_ERROR),
    cap_fields=frozenset({"max_tokens"}),
    calls_tools=False,
    needs_schema_in_response_format=True,
    slots=1,
    seconds_per_token=0.001,
)


@dataclass
class Fault:
    """What to do instead of (or to) a normal answer; `times` None means every matching request.

    `params` go to the fault; `skip` (any fault) lets that many matching requests through first.
    """

    kind: str
    agent: str | None = None
    times: int | None = 1
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelRequest:
    agent: str
    path: str
    body: dict[str, Any]
    fault: str | None


class ScriptedModelServer:
    """Serve on a free port in a background thread; `fail(...)` scripts faults, `requests` records calls."""

    def __init__(self, profile: ServerProfile = ServerProfile()) -> None:
        self.profile = profile
        self.port = free_port()
        self.faults: list[Fault] = []
        self.requests: list[ModelRequest] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._brain = OfflineChatClient()
        self._slots = asyncio.Semaphore(profile.slots or 1_000_000)
        self._generating: set[asyncio.Task[None]] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def azure_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ScriptedModelServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def fail(self, kind: str, *, agent: str | None = None, times: int | None = 1, **params: Any) -> None:
        with self._lock:
            self.faults.append(Fault(kind, agent, times, params))

    def reset(self) -> None:
        with self._lock:
            self.faults.clear()
            self.requests.clear()

    def requests_for(self, agent: str) -> list[ModelRequest]:
        with self._lock:
            return [r for r in self.requests if r.agent == agent]

    # -- serving --------------------------------------------------------------------------

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_get("/v1/models", self._models)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/openai/deployments/{deployment}/chat/completions", self._chat)
        runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self._loop.run_forever()

    def _take_fault(self, agent: str, body: dict[str, Any], kinds: frozenset[str]) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.kind not in kinds or fault.agent not in (None, agent):
                    continue
                if fault.kind == "no_json_schema" and _format(body) != "json_schema":
                    continue
                if fault.params.get("skip", 0) > 0:  # let this many matching requests through first
                    fault.params["skip"] -= 1
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                return fault
        return None

    async def _models(self, _: web.Request) -> web.Response:
        models = [{"id": name, "object": "model", "owned_by": "me"} for name in self.profile.models]
        return web.json_response({"object": "list", "data": models})

    async def _generate(self, tokens: int, seconds_per_token: float | None = None) -> None:
        """Hold a slot while `tokens` are generated; a client that leaves does not stop it (as in llama-cpp-python)."""
        pace = self.profile.seconds_per_token if seconds_per_token is None else seconds_per_token
        task = asyncio.ensure_future(self._occupy(tokens * pace))
        self._generating.add(task)
        task.add_done_callback(self._generating.discard)
        await asyncio.shield(task)

    async def _occupy(self, seconds: float) -> None:
        async with self._slots:
            await asyncio.sleep(seconds)

    def _cap(self, body: dict[str, Any]) -> int | None:
        """The output cap this server reads from the request, if it honours the field it came in."""
        caps = [body[name] for name in sorted(self.profile.cap_fields) if isinstance(body.get(name), int)]
        return min(caps) if caps else None

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        system = " ".join(_text(m) for m in body["messages"] if m["role"] in ("system", "developer"))
        agent = (AGENT_NAME.search(system) or SimpleNamespace(group=lambda _: "unknown")).group(1)
        refused = self.profile.json_schema_rejection if _format(body) == "json_schema" else None
        fault = None if refused else self._take_fault(agent, body, TRANSPORT_FAULTS)
        record = ModelRequest(agent, request.path, body, "no_json_schema" if refused else fault.kind if fault else None)
        with self._lock:
            self.requests.append(record)
        if refused:
            return _error(*refused, None)
        if body.get("stream"):
            return _error(400, "this test server does not stream", "invalid_request_error")
        kind, params = (fault.kind, fault.params) if fault else ("", {})
        if kind == "status":
            headers = {"Retry-After": str(params["retry_after"])} if "retry_after" in params else {}
            return _error(params["status"], params.get("message", "scripted failure"), params.get("code"), headers)
        if kind == "no_json_schema":
            return _error(
                400, "response_format type 'json_schema' is not supported by this server", "invalid_request_error"
            )
        if kind == "hang":  # for `seconds`, or until the test sets the `until` event
            if "until" in params:
                await asyncio.to_thread(params["until"].wait, params.get("seconds", 3600))
            else:
                await asyncio.sleep(params.get("seconds", 3600))
        if kind == "trickle":
            return await _trickle(request)
        if kind == "empty_choices":
            return web.json_response(
                {
                    "id": "chatcmpl-empty",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body["model"],
                    "choices": [],
                }
            )
        cap = self._cap(body)
        if kind == "runaway":  # a model that does not stop: it writes until its cap, if it has one
            await self._generate(cap if cap is not None else RUNAWAY_TOKENS, params.get("seconds_per_token"))
            return web.json_response(_runaway_answer(body, cap or RUNAWAY_TOKENS))
        answer = await self._answer(body, offer_tools=kind != "ignore_tools" and self.profile.calls_tools)
        content = answer["choices"][0]["message"]["content"] or ""
        await self._generate(max(1, len(content) // 4))
        if kind == "no_usage":  # servers that do not count tokens leave `usage` out
            del answer["usage"]
        if kind == "cut":
            return await _cut(request, answer)
        if answer["choices"][0]["message"]["content"] is not None and (
            spoil := self._take_fault(agent, body, SPOILERS)
        ):
            _spoil(spoil.kind, spoil.params, answer["choices"][0])
            with self._lock:
                self.requests[self.requests.index(record)] = ModelRequest(agent, request.path, body, spoil.kind)
        return web.json_response(answer)

    async def _answer(self, body: dict[str, Any], *, offer_tools: bool) -> dict[str, Any]:
        """The offline model's answer to this conversation, as a Chat Completions response."""
        messages, instructions = _framework_messages(body["messages"])
        response_format = body.get("response_format") or {}
        schema_name = (response_format.get("json_schema") or {}).get("name") or (
            response_format.get("schema") or {}
        ).get("title")
        if self.profile.needs_schema_in_response_format and schema_name is None:
            return _completion(
                body, {"role": "assistant", "content": json.dumps({"answer": "Here you go", "ok": True})}
            )
        tools = [SimpleNamespace(name=t["function"]["name"]) for t in body.get("tools") or []] if offer_tools else []
        options = {
            "instructions": instructions,
            "response_format": getattr(models, str(schema_name), None),
            "tools": tools,
        }
        reply = (await self._brain.respond(messages, options)).messages[0]
        calls = [c for c in reply.contents if c.type == "function_call"]
        message: dict[str, Any] = {"role": "assistant", "content": None if calls else reply.text}
        if calls:
            message["tool_calls"] = [
                {
                    "id": c.call_id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": _arguments(c.arguments)},
                }
                for c in calls
            ]
        return _completion(body, message, "tool_calls" if calls else "stop")


def _completion(body: dict[str, Any], message: dict[str, Any], finish_reason: str = "stop") -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def _runaway_answer(body: dict[str, Any], tokens: int) -> dict[str, Any]:
    """What a model that repeats itself leaves when its cap cuts it off: unfinished JSON."""
    text = '{"reason": "' + "the the " * min(tokens, 2000)
    return _completion(body, {"role": "assistant", "content": text}, "length")


def _spoil(kind: str, params: dict[str, Any], choice: dict[str, Any]) -> None:
    """Spoil a final answer's JSON the way the fault says."""
    message = choice["message"]
    text = message["content"]
    if kind == "truncated":  # cut at the output-token limit
        message["content"] = text[: len(text) // 2]
        choice["finish_reason"] = "length"
    elif kind == "raw_newline":  # a literal line break inside a JSON string
        message["content"] = text.replace(". ", ".\n", 1) if ". " in text else text.replace('":"', '":"\n', 1)
    elif kind == "fenced":
        message["content"] = f"```json\n{text}\n```"
    elif kind == "wrong_schema":
        message["content"] = json.dumps({"answer": "I think so", "certainty": "high"})
    elif kind == "override":  # valid JSON, values of the scripted fault's choosing
        message["content"] = json.dumps({**json.loads(text), **params["values"]})
    elif kind == "prose":
        message["content"] = "Sure! Here is what I found: " + text


def _framework_messages(wire: list[dict[str, Any]]) -> tuple[list[Message], str]:
    instructions, messages = [], []
    for item in wire:
        role, text = item["role"], _text(item)
        if role in ("system", "developer"):
            instructions.append(text)
        elif role == "tool":
            messages.append(Message("tool", [Content.from_function_result(item["tool_call_id"], result=text)]))
        else:
            contents = [Content.from_text(text)] if text else []
            for call in item.get("tool_calls") or []:
                arguments = json.loads(call["function"]["arguments"] or "{}")
                contents.append(Content.from_function_call(call["id"], call["function"]["name"], arguments=arguments))
            messages.append(Message(role, contents))
    return messages, "\n".join(instructions)


def _format(body: dict[str, Any]) -> str | None:
    return (body.get("response_format") or {}).get("type")


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if part.get("type") == "text")
    return content or ""


def _arguments(arguments: Any) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments or {})


def _error(status: int, message: str, code: str | None, headers: dict[str, str] | None = None) -> web.Response:
    body = {
        "error": {
            "message": message,
            "type": "server_error" if status >= 500 else "invalid_request_error",
            "code": code,
            "param": None,
        }
    }
    return web.json_response(body, status=status, headers=headers)


async def _trickle(request: web.Request) -> web.StreamResponse:
    """Headers at once, then a space every 0.2 s: never silent long enough for a read timeout."""
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    try:
        while True:
            await response.write(b" ")
            await asyncio.sleep(0.2)
    except ConnectionError:  # the client gave up: what the fault is for
        return response


async def _cut(request: web.Request, answer: dict[str, Any]) -> web.StreamResponse:
    """Announce the whole body, send half of it, and drop the connection."""
    data = json.dumps(answer).encode()
    response = web.StreamResponse(headers={"Content-Type": "application/json", "Content-Length": str(len(data))})
    await response.prepare(request)
    await response.write(data[: len(data) // 2])
    assert request.transport is not None
    request.transport.close()
    return response
