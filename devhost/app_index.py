"""Load a Python v2 Function App and index its functions by trigger, as the Functions host does."""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .mcp_triggers import MCP_TOOL_TRIGGER, McpTool, index_mcp_tool

#: Functions route constraints the host understands (others match any one segment).
_CONSTRAINTS = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "float": r"-?\d+(?:\.\d+)?",
    "double": r"-?\d+(?:\.\d+)?",
    "decimal": r"-?\d+(?:\.\d+)?",
    "bool": r"(?i:true|false)",
    "guid": r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
    "alpha": r"[a-zA-Z]+",
}
_PARAM = re.compile(r"\{(\*?)(\w+)(?::(\w+)(?:\([^)]*\))?)?(\?)?\}")


@dataclass
class HttpFunction:
    name: str
    route: str
    methods: set[str]
    handler: Callable[..., Any]
    request_param: str
    client_param: str | None
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        self.pattern = compile_route(self.route)

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.methods and method.upper() not in self.methods:
            return None
        found = self.pattern.fullmatch(path)
        if not found:
            return None
        return {k: v for k, v in found.groupdict().items() if v is not None}


@dataclass
class Activity:
    handler: Callable[..., Any]
    input_param: str


@dataclass
class FunctionIndex:
    orchestrators: dict[str, Callable[..., str]] = field(default_factory=dict)
    activities: dict[str, Activity] = field(default_factory=dict)
    entities: dict[str, Callable[..., str]] = field(default_factory=dict)  # keyed by lower-case name
    http: list[HttpFunction] = field(default_factory=list)
    mcp_tools: dict[str, McpTool] = field(default_factory=dict)  # keyed by lower-case tool name

    def route(self, method: str, path: str) -> tuple[HttpFunction, dict[str, str]] | None:
        # Literal segments win over parameters, as in ASP.NET routing: try the most specific first.
        for function in sorted(self.http, key=lambda f: f.route.count("{")):
            params = function.match(method, path)
            if params is not None:
                return function, params
        return None


def compile_route(template: str) -> re.Pattern[str]:
    """A Functions route template (``items/{id:int?}``, ``{*rest}``) as a case-insensitive regex."""
    out, pos = "", 0
    template = template.strip("/")
    for m in _PARAM.finditer(template):
        literal = template[pos : m.start()]
        catch_all, name, constraint, optional = m.groups()
        body = ".*" if catch_all else _CONSTRAINTS.get((constraint or "").lower(), r"[^/]+")
        group = f"(?P<{name}>{body})"
        if optional or catch_all:
            # An optional last segment takes its leading slash with it.
            if literal.endswith("/"):
                out += re.escape(literal[:-1]) + f"(?:/{group})?"
            else:
                out += re.escape(literal) + f"{group}?"
        else:
            out += re.escape(literal) + group
        pos = m.end()
    out += re.escape(template[pos:])
    return re.compile(out, re.IGNORECASE)


def load(module_name: str, root: Path) -> FunctionIndex:
    """Import the app module from ``root`` and index the functions of its ``app`` object."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    module = importlib.import_module(module_name)
    app = getattr(module, "app", None)
    if app is None:
        raise RuntimeError(f"module '{module_name}' defines no 'app' (a FunctionApp)")
    index = FunctionIndex()
    for function in app.get_functions():
        trigger = function.get_trigger()
        name = function.get_function_name()
        handler = function.get_user_function()
        if trigger.type == "orchestrationTrigger":
            index.orchestrators[name] = handler
        elif trigger.type == "activityTrigger":
            index.activities[name] = Activity(handler, trigger.name)
        elif trigger.type == "entityTrigger":
            index.entities[name.lower()] = handler
        elif trigger.type == "httpTrigger":
            client = next((b.name for b in function.get_bindings() if b.type == "durableClient"), None)
            methods = {str(getattr(m, "value", m)).upper() for m in (trigger.methods or [])}
            index.http.append(HttpFunction(name, trigger.route or name, methods, handler, trigger.name, client))
        elif trigger.type == MCP_TOOL_TRIGGER:
            index_mcp_tool(index, function)
    return index


def is_async(handler: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(handler)
