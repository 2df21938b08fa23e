"""MCP tool trigger functions invoked as the Functions MCP extension does it.

Facts from the extension's source (Azure/azure-functions-mcp-extension 1.6, whose MCP server is
the C# SDK 0.4): a call missing a required property, or naming an unknown tool, is a JSON-RPC
``InvalidParams`` error; the function gets the invocation context as a JSON string
(``ToolInvocationContext``: ``name``, ``arguments``, ``sessionid``, ``clientinfo``, ``transport``, nulls
left out); its return value becomes one text block, or with ``useResultSchema`` is read as the
``McpToolResult`` envelope; a function that fails answers ``isError`` with the bare
"An error occurred invoking '<tool>'.". How a tool is read from its trigger: ``devhost/app/tool_triggers.py``.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import mcp_types as types
from azure.functions.mcp import _MCPToolTriggerConverter
from mcp.shared.exceptions import MCPError
from pydantic import TypeAdapter, ValidationError

from ..app.tool_triggers import McpTool

log = logging.getLogger("devhost.mcp")

_CONTENT_BLOCK: TypeAdapter[types.ContentBlock] = TypeAdapter(types.ContentBlock)
_CONTENT_BLOCKS: TypeAdapter[list[types.ContentBlock]] = TypeAdapter(list[types.ContentBlock])


async def call_tool(
    tools: Mapping[str, McpTool],
    params: types.CallToolRequestParams,
    invocation: dict[str, Any],
    client_binding: dict[str, Any] | None,
) -> types.CallToolResult:
    """Run the tool's function with the invocation context (``name`` and ``arguments`` are added here)."""
    tool = tools.get(params.name.lower())
    if tool is None:
        raise MCPError(code=types.INVALID_PARAMS, message=f"Unknown tool: '{params.name}'")
    arguments = params.arguments
    missing = [name for name in tool.required() if arguments is None or arguments.get(name) is None]
    if missing:
        raise MCPError(
            code=types.INVALID_PARAMS,
            message=f"One or more required tool properties are missing values. Please provide: {', '.join(missing)}",
        )
    context = {"name": params.name, **({"arguments": arguments} if arguments is not None else {}), **invocation}
    kwargs: dict[str, Any] = {tool.context_param: json.dumps(context)}
    if tool.client_param:
        kwargs[tool.client_param] = json.dumps(client_binding)
    started = time.perf_counter()
    try:
        if inspect.iscoroutinefunction(tool.handler):
            value = await tool.handler(**kwargs)
        else:
            value = await asyncio.get_running_loop().run_in_executor(None, functools.partial(tool.handler, **kwargs))
        result = to_result(tool, _MCPToolTriggerConverter.encode(value, expected_type=None).value)
    except Exception:
        log.exception("MCP tool '%s' (function '%s') failed", tool.name, tool.function_name)
        result = types.CallToolResult(
            content=[types.TextContent(type="text", text=f"An error occurred invoking '{params.name}'.")],
            is_error=True,
        )
    log.info(
        "MCP tool %s -> %s (%.1f ms)",
        tool.name,
        "error" if result.is_error else "ok",
        (time.perf_counter() - started) * 1000,
    )
    return result


def to_result(tool: McpTool, value: str | bytes | None) -> types.CallToolResult:
    """What the extension makes of the value the worker returned; raises where the extension fails the call."""
    text = value.decode() if isinstance(value, bytes) else value
    if not tool.use_result_schema:  # SimpleToolReturnValueBinder: the value as one text block
        return types.CallToolResult(content=[] if text is None else [types.TextContent(type="text", text=text)])
    if text is None:
        return types.CallToolResult(content=[])
    try:  # ToolReturnValueBinder: the McpToolResult envelope
        envelope = json.loads(text)
        kind, content, structured = envelope["type"], envelope.get("content"), envelope.get("structuredContent")
        if kind.lower() == "call_tool_result":
            return types.CallToolResult.model_validate_json(content)
        if kind.lower() == "multi_content_result":
            blocks = _CONTENT_BLOCKS.validate_json(content)
        else:
            blocks = [_CONTENT_BLOCK.validate_json(content)]
        if not blocks:
            raise ValueError("No content items were produced from the McpToolResult.")
        return types.CallToolResult(content=blocks, structured_content=json.loads(structured) if structured else None)
    except (ValueError, KeyError, TypeError, AttributeError, ValidationError) as exc:
        raise ValueError(f"The function return value could not be read as an McpToolResult: {exc}") from exc
