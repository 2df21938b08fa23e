"""The MCP endpoint of the Functions MCP extension, served with the official MCP Python SDK.

Routes, as in Azure: Streamable HTTP at ``POST /runtime/webhooks/mcp``, stateless (every POST stands
alone, so a restart of the host loses no client), and the legacy SSE transport at
``GET /runtime/webhooks/mcp/sse`` with its ``POST /runtime/webhooks/mcp/message`` endpoint. The
server's name, version and instructions come from ``extensions.mcp`` in host.json. Requests pass
the host's middleware like every other route. No function key is asked for locally; in Azure the
system key ``mcp_extension`` is. Every error is a JSON-RPC error response without an id, as the MCP
transports specify, also where the SDK answers in plain text (the legacy transport's session errors,
a wrong ``Content-Type``) and for a method the endpoint does not serve.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import mcp_types as types
from aiohttp import web
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.sse import SseServerTransport
from mcp.server.streamable_http import MCP_SESSION_ID_HEADER
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.inbound import MCP_PROTOCOL_VERSION_HEADER
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.requests import Request

from ..app.app_index import FunctionIndex
from ..web import asgi
from ..web.durable_api import client_binding
from .triggers import call_tool

log = logging.getLogger("devhost.mcp")

PREFIX = "/runtime/webhooks/mcp"
DEFAULT_SERVER_NAME = "Azure Functions MCP server"  # McpOptions defaults
DEFAULT_SERVER_VERSION = "1.0.0"


def mount(app: web.Application, index: FunctionIndex, rpc_base_url: str, root: Path) -> None:
    """Serve the app's MCP tool triggers on ``app`` (routes, and the SDK's session manager for its lifetime)."""
    server = build_server(index, rpc_base_url, _options(root))
    manager = StreamableHTTPSessionManager(app=server, stateless=True)
    streamable_app = _json_rpc_errors(_like_the_extension(manager.handle_request))
    sse = SseServerTransport(f"{PREFIX}/message")
    sse_message_app = _json_rpc_errors(sse.handle_post_message)

    async def connect_sse(scope: Any, receive: Any, send: Any) -> None:
        async with sse.connect_sse(scope, receive, send) as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    async def streamable(request: web.Request) -> web.StreamResponse:
        return await asgi.serve(streamable_app, request, PREFIX)

    async def sse_stream(request: web.Request) -> web.StreamResponse:
        return await asgi.serve(connect_sse, request, "")

    async def sse_message(request: web.Request) -> web.StreamResponse:
        return await asgi.serve(sse_message_app, request, "")

    async def not_served(request: web.Request) -> web.Response:
        allowed = "GET" if request.path.endswith("/sse") else "POST"
        response = rpc_error(405, f"{request.method} is not served here: use {allowed}")
        response.headers["Allow"] = allowed
        return response

    app.router.add_post(PREFIX, streamable)
    app.router.add_get(f"{PREFIX}/sse", sse_stream)
    app.router.add_post(f"{PREFIX}/message", sse_message)
    for path in (PREFIX, f"{PREFIX}/sse", f"{PREFIX}/message"):
        app.router.add_route("*", path, not_served)

    async def run_manager(_: web.Application) -> AsyncIterator[None]:
        async with manager.run():
            names = ", ".join(tool.name for tool in index.mcp_tools.values()) or "none"
            log.info("MCP server endpoint %s, legacy SSE endpoint %s/sse; tools: %s", PREFIX, PREFIX, names)
            yield

    app.cleanup_ctx.append(run_manager)


def build_server(index: FunctionIndex, rpc_base_url: str, options: dict[str, Any]) -> Server[Any]:
    """An SDK server that lists the app's tools and runs them (resources and prompts: none, as in Azure's lists)."""
    tools = index.mcp_tools

    async def list_tools(ctx: ServerRequestContext[Any], params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[tool.as_tool() for tool in tools.values()])

    async def run_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> types.CallToolResult:
        invocation, base_url = _invocation(ctx)
        return await call_tool(tools, params, invocation, client_binding(base_url, rpc_base_url))

    async def no_resources(ctx: ServerRequestContext[Any], params: Any) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=[])

    async def no_templates(ctx: ServerRequestContext[Any], params: Any) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(resource_templates=[])

    async def no_prompts(ctx: ServerRequestContext[Any], params: Any) -> types.ListPromptsResult:
        return types.ListPromptsResult(prompts=[])

    return Server(
        options.get("serverName") or DEFAULT_SERVER_NAME,
        version=options.get("serverVersion") or DEFAULT_SERVER_VERSION,
        instructions=options.get("instructions"),
        on_list_tools=list_tools,
        on_call_tool=run_tool,
        on_list_resources=no_resources,
        on_list_resource_templates=no_templates,
        on_list_prompts=no_prompts,
    )


def _invocation(ctx: ServerRequestContext[Any]) -> tuple[dict[str, Any], str]:
    """The context fields the extension adds to a call (``sessionid``, ``clientinfo``, ``transport``), and the base URL."""
    request: Request = ctx.request  # every message reaches this server over HTTP
    headers = dict(request.headers)
    over_sse = request.url.path.endswith("/message")
    transport: dict[str, Any] = {
        "name": "http-sse" if over_sse else "http-streamable",
        "properties": {"headers": headers},
    }
    invocation: dict[str, Any] = {"transport": transport}
    if session_id := headers.get(MCP_SESSION_ID_HEADER.lower()):
        transport["sessionId"] = session_id
    elif over_sse:
        session_id = request.query_params.get("session_id")
    if session_id:
        invocation["sessionid"] = session_id
    if (client := ctx.session.client_params) is not None:
        invocation["clientinfo"] = client.client_info.model_dump(by_alias=True, exclude_none=True, mode="json")
    return invocation, f"{request.url.scheme}://{request.url.netloc}"


def _like_the_extension(app: Any) -> Any:
    """The Streamable HTTP habits of the extension that the SDK's stateless mode lacks.

    The extension answers ``initialize`` with an ``Mcp-Session-Id`` (its encrypted client state, which
    any instance can read back), clients send it with every later request, and tools get it as
    ``sessionid``; here it is a random id. And it ignores ``MCP-Protocol-Version``: a header of a later
    era (which would make the SDK speak the 2026 protocol, unknown to Azure) is dropped.
    """
    version_header = MCP_PROTOCOL_VERSION_HEADER.lower().encode()
    known = {version.encode() for version in HANDSHAKE_PROTOCOL_VERSIONS}

    async def extension_habits(scope: Any, receive: Any, send: Any) -> None:
        first = await receive()
        initialize = _is_initialize(first.get("body", b""))
        replayed = False

        async def receive_again() -> Any:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return first

        async def name_the_session(message: Any) -> None:
            if initialize and message["type"] == "http.response.start" and message["status"] == 200:
                message = {
                    **message,
                    "headers": [*message.get("headers", ()), (b"mcp-session-id", uuid4().hex.encode())],
                }
            await send(message)

        headers = [(name, value) for name, value in scope["headers"] if name != version_header or value in known]
        await app({**scope, "headers": headers}, receive_again, name_the_session)

    return extension_habits


def rpc_error(status: int, message: str) -> web.Response:
    return web.Response(body=_rpc_error_body(message), status=status, content_type="application/json")


def _rpc_error_body(message: str) -> bytes:
    """An HTTP error as the MCP SDK words one: a JSON-RPC ``InvalidRequest`` error response with no id."""
    error = {"code": types.INVALID_REQUEST, "message": message}
    return json.dumps({"jsonrpc": "2.0", "id": None, "error": error}).encode()


def _json_rpc_errors(app: Any) -> Any:
    """The ASGI application with its plain-text error responses rewritten as JSON-RPC errors."""

    async def worded_as_json_rpc(scope: Any, receive: Any, send: Any) -> None:
        held: dict[str, Any] | None = None  # the start of a plain-text error, until its body is whole
        body = b""

        async def send_json(message: Any) -> None:
            nonlocal held, body
            if message["type"] == "http.response.start" and message["status"] >= 400:
                kind = dict(message.get("headers", ())).get(b"content-type", b"")
                if not kind.startswith(b"application/json"):
                    held = message
                    return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            body += message.get("body", b"")
            if message.get("more_body", False):
                return
            encoded = _rpc_error_body(body.decode(errors="replace"))
            headers = [(k, v) for k, v in held.get("headers", ()) if k not in (b"content-type", b"content-length")]
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(encoded)).encode())]
            await send({**held, "headers": headers})
            await send({"type": "http.response.body", "body": encoded})

        await app(scope, receive, send_json)

    return worded_as_json_rpc


def _is_initialize(body: bytes) -> bool:
    try:
        message = json.loads(body)
    except ValueError:
        return False
    return isinstance(message, dict) and message.get("method") == "initialize"


def _options(root: Path) -> dict[str, Any]:
    """``extensions.mcp`` of host.json (serverName, serverVersion, instructions), or nothing."""
    path = root / "host.json"
    try:
        options = json.loads(path.read_text(encoding="utf-8")).get("extensions", {}).get("mcp", {})
    except FileNotFoundError:
        return {}
    except (json.JSONDecodeError, AttributeError) as exc:
        raise SystemExit(f"{path} is not valid JSON with an 'extensions' object: {exc}") from exc
    return options if isinstance(options, dict) else {}
