"""The official MCP Python client against a local host, driven from synchronous tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import mcp_types as types
from mcp import Client
from mcp.client.session import ClientSession
from mcp.client.sse import sse_client

from devhost.process import DevHost

MCP = "/runtime/webhooks/mcp"
CALL_TIMEOUT_SECONDS = 60
T = TypeVar("T")


def connected(host: DevHost, work: Callable[[Client], Awaitable[T]]) -> T:
    """Run `work` with a client connected over Streamable HTTP, as VS Code connects."""

    async def session() -> T:
        async with Client(host.url + MCP) as client:
            return await work(client)

    return run(session())


def over_sse(host: DevHost, work: Callable[[ClientSession], Awaitable[T]]) -> T:
    """Run `work` with a client session on the legacy SSE transport."""

    async def session() -> T:
        async with sse_client(host.url + MCP + "/sse") as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            return await work(client)

    return run(session())


def run(session: Awaitable[T]) -> T:
    """Run a client session, bounded; an error the client's task groups wrapped is raised as itself."""
    try:
        return asyncio.run(asyncio.wait_for(session, CALL_TIMEOUT_SECONDS))
    except BaseExceptionGroup as group:
        error: BaseException = group
        while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
            error = error.exceptions[0]
        raise error from None


def tools(host: DevHost) -> dict[str, types.Tool]:
    listed = connected(host, lambda client: client.list_tools())
    return {tool.name: tool for tool in listed.tools}


def call(host: DevHost, tool: str, arguments: dict[str, Any] | None = None) -> types.CallToolResult:
    return connected(host, lambda client: client.call_tool(tool, arguments))


def text(result: types.CallToolResult) -> str:
    [block] = result.content
    assert isinstance(block, types.TextContent), block
    return block.text


def answer(result: types.CallToolResult) -> Any:
    """A successful call's JSON answer (its text block, which carries the same JSON as structuredContent)."""
    assert not result.is_error, text(result)
    payload = json.loads(text(result))
    if result.structured_content is not None:
        assert result.structured_content == payload
    return payload
