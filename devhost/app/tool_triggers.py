"""MCP tool trigger functions as the Functions MCP extension reads them (its source, version 1.6).

The input schema is built from the trigger's ``toolProperties`` (``PropertyBasedToolInputSchema``), whose
fields are matched case-insensitively; tool names are unique, case-insensitively. How a tool is called
lives in ``devhost/mcp/triggers.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from azure.functions.decorators.function_app import Function

MCP_TOOL_TRIGGER = "mcpToolTrigger"


@dataclass(frozen=True)
class McpTool:
    """One MCP tool trigger function of the app."""

    function_name: str
    name: str
    description: str | None
    properties: list[dict[str, Any]]
    use_result_schema: bool
    handler: Callable[..., Any]
    context_param: str
    client_param: str | None

    def as_tool(self) -> types.Tool:
        return types.Tool(name=self.name, description=self.description, input_schema=self.input_schema())

    def input_schema(self) -> dict[str, Any]:
        """The schema the extension derives from ``toolProperties`` (``PropertyBasedToolInputSchema``)."""
        schema: dict[str, Any] = {}
        for prop in self.properties:
            kind: dict[str, Any] = {"type": _field(prop, "propertyType")}
            if enum := _field(prop, "enumValues"):
                kind["enum"] = enum
            entry = {"type": "array", "items": kind} if _field(prop, "isArray") else kind
            schema[_field(prop, "propertyName")] = {**entry, "description": _field(prop, "description") or ""}
        return {"type": "object", "properties": schema, "required": self.required()}

    def required(self) -> list[str]:
        return list(dict.fromkeys(_field(p, "propertyName") for p in self.properties if _field(p, "isRequired")))


def _field(prop: Mapping[str, Any], name: str) -> Any:
    """A tool property field, matched case-insensitively as the extension's JSON reader does."""
    return next((value for key, value in prop.items() if key.lower() == name.lower()), None)


def read_mcp_tool(function: Function) -> McpTool:
    """The tool an ``mcpToolTrigger`` function declares: its name, description, properties and bindings."""
    trigger = function.get_trigger()
    raw = trigger.get_dict_repr()
    properties = json.loads(raw["toolProperties"]) if raw.get("toolProperties") else []
    return McpTool(
        function_name=function.get_function_name(),
        name=raw["toolName"],
        description=raw.get("description"),
        properties=[p for p in properties if isinstance(p, dict) and _field(p, "propertyName")],
        use_result_schema=bool(raw.get("useResultSchema")),
        handler=function.get_user_function(),
        context_param=trigger.name,
        client_param=next((b.name for b in function.get_bindings() if b.type == "durableClient"), None),
    )
