"""Load a Python v2 Function App and index its functions by trigger, as the Functions host does."""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from azure.functions import FunctionRegister
from azure.functions.decorators.function_app import Function

from .tool_triggers import MCP_TOOL_TRIGGER, McpTool, read_mcp_tool

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


@dataclass(frozen=True)
class Unsupported:
    """A function whose trigger the local host does not run (it runs in Azure)."""

    name: str
    trigger: str


@dataclass
class FunctionIndex:
    orchestrators: dict[str, Callable[..., str]] = field(default_factory=dict)
    activities: dict[str, Activity] = field(default_factory=dict)
    entities: dict[str, Callable[..., str]] = field(default_factory=dict)  # keyed by lower-case name
    entity_names: dict[str, str] = field(default_factory=dict)  # lower-case name -> the name as registered
    http: list[HttpFunction] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)
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


class AppLoadError(Exception):
    """The app module cannot be imported or holds no single function-app object."""


def find_app(module: ModuleType) -> FunctionRegister:
    """The module's one function-app object, whatever its name, as the Python worker finds it."""
    found = [value for value in vars(module).values() if isinstance(value, FunctionRegister)]
    if len({id(value) for value in found}) > 1:
        raise AppLoadError(
            f"More than one {type(found[0]).__name__} or other top level function app instances are defined "
            f"in '{module.__name__}'."
        )
    if not found:
        raise AppLoadError(f"Could not find top level function app instances in '{module.__name__}'.")
    return found[0]


def load(module_name: str, root: Path) -> FunctionIndex:
    """Import the app module from ``root`` and index its functions by trigger."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    index = FunctionIndex()
    for function in find_app(importlib.import_module(module_name)).get_functions():
        indexer = INDEXERS.get(function.get_trigger().type)
        if indexer is None:
            index.unsupported.append(Unsupported(function.get_function_name(), function.get_trigger().type))
        else:
            indexer(index, function)
    return index


def _orchestrator(index: FunctionIndex, function: Function) -> None:
    index.orchestrators[function.get_function_name()] = function.get_user_function()


def _activity(index: FunctionIndex, function: Function) -> None:
    index.activities[function.get_function_name()] = Activity(function.get_user_function(), function.get_trigger().name)


def _entity(index: FunctionIndex, function: Function) -> None:
    name = function.get_function_name()
    index.entities[name.lower()] = function.get_user_function()
    index.entity_names[name.lower()] = name


def _http(index: FunctionIndex, function: Function) -> None:
    trigger, name = function.get_trigger(), function.get_function_name()
    client = next((b.name for b in function.get_bindings() if b.type == "durableClient"), None)
    methods = {str(getattr(m, "value", m)).upper() for m in (trigger.methods or [])}
    index.http.append(
        HttpFunction(name, trigger.route or name, methods, function.get_user_function(), trigger.name, client)
    )


def _mcp_tool(index: FunctionIndex, function: Function) -> None:
    tool = read_mcp_tool(function)
    if tool.name.lower() in index.mcp_tools:  # as the extension's registry refuses it
        raise ValueError(f"Tool with name '{tool.name}' is already registered.")
    index.mcp_tools[tool.name.lower()] = tool


#: How each trigger type the local host runs is indexed; a function with any other trigger is listed
#: as unsupported. Supporting a new trigger means adding its indexer here and a dispatcher for it.
INDEXERS: dict[str, Callable[[FunctionIndex, Function], None]] = {
    "httpTrigger": _http,
    "orchestrationTrigger": _orchestrator,
    "activityTrigger": _activity,
    "entityTrigger": _entity,
    MCP_TOOL_TRIGGER: _mcp_tool,
}


def is_async(handler: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(handler)
