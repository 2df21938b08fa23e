"""The Bicep templates read offline: their declarations, and the values a deployment would compute.

tree-sitter-bicep parses the files. `Deployment` evaluates expressions the way ARM would for given
parameter values: literals, interpolation, variables, the functions the templates use, conditions, module
parameters and outputs. What only Azure knows (a resource's id or properties, uniqueString) becomes an
`Unknown` that renders as `<expression>` inside strings, so a setting like the scheduler's connection
string evaluates to `Endpoint=<scheduler.properties.endpoint>;TaskHub=agents;...`. Anything the evaluator
does not understand raises, so a template change it cannot follow fails the tests instead of passing them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import tree_sitter_bicep
from tree_sitter import Language, Node, Parser

from devhost.process import REPO

INFRA = REPO / "infra"
PARSER = Parser(Language(tree_sitter_bicep.language()))
ESCAPES = {"\\'": "'", "\\\\": "\\", "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\$": "$"}


@dataclass(frozen=True)
class Unknown:
    """A value only Azure knows, named by the expression that yields it."""

    expression: str

    def __str__(self) -> str:
        return f"<{self.expression}>"


@dataclass(frozen=True)
class Guid:
    """guid(...): deterministic in ARM, so its arguments are what matters."""

    arguments: tuple[Any, ...]


@dataclass(frozen=True)
class ResourceRef:
    name: str
    type: str


def text(node: Node) -> str:
    return node.text.decode()


def named(node: Node) -> list[Node]:
    """Named children, comments left out."""
    return [child for child in node.named_children if child.type != "comment"]


def children(node: Node, *types: str) -> list[Node]:
    return [child for child in node.named_children if child.type in types]


def properties(obj: Node) -> dict[str, Node]:
    """An object literal's properties by key (identifier or plain string keys)."""
    found = {}
    for prop in children(obj, "object_property"):
        key, value = named(prop)[0], named(prop)[-1]
        found[text(key).strip("'")] = value
    return found


@dataclass
class Declaration:
    kind: str  # param, var, resource, module, output
    name: str
    node: Node

    @property
    def value(self) -> Node | None:
        """The expression after `=`: a default, a body (maybe under `if` / `for`), an output's value."""
        tokens = [child.type for child in self.node.children]
        return self.node.children[tokens.index("=") + 1] if "=" in tokens else None

    @property
    def target(self) -> str:
        """A resource's `type@version` or a module's path."""
        return text(children(self.node, "string")[0]).strip("'")

    @property
    def decorators(self) -> dict[str, list[Node]]:
        """The declaration's decorators by name (`@secure()`, `@allowed([...])`), each with its argument nodes."""
        before = self.node.prev_named_sibling
        if before is None or before.type != "decorators":
            return {}
        calls = [named(decorator)[0] for decorator in children(before, "decorator")]
        return {
            text(call.child_by_field_name("function")): named(call.child_by_field_name("arguments")) for call in calls
        }

    @property
    def conditional(self) -> bool:
        """A resource or module deployed only `if (...)`."""
        return self.value is not None and self.value.type == "if_statement"

    @property
    def type_name(self) -> str:
        return text(children(self.node, "type")[0])

    @property
    def body(self) -> Node:
        """A resource's or module's object, under its condition or loop."""
        value = self.value
        assert value is not None
        return value if value.type == "object" else children(value, "object")[-1]


class Template:
    """One .bicep file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = PARSER.parse(path.read_bytes())

    def errors(self) -> list[str]:
        """Where the parser found a syntax error or had to invent a missing token."""
        found: list[str] = []
        stack = [self.tree.root_node]
        while stack:
            node = stack.pop()
            if node.type == "ERROR" or node.is_missing:
                found.append(f"{self.path.name}:{node.start_point[0] + 1}: {text(node)[:60]!r}")
            stack.extend(node.children)
        return found

    @cached_property
    def declarations(self) -> list[Declaration]:
        found: list[Declaration] = []
        for node in named(self.tree.root_node):
            kind = node.type.removesuffix("_declaration")
            if kind in ("parameter", "variable", "resource", "module", "output"):
                name = text(children(node, "identifier")[0])
                found.append(Declaration({"parameter": "param", "variable": "var"}.get(kind, kind), name, node))
        return found

    @cached_property
    def symbols(self) -> dict[str, Declaration]:
        """What expressions can name: parameters, variables, resources, modules (outputs have a namespace of
        their own)."""
        return {d.name: d for d in self.declarations if d.kind != "output"}

    def of_kind(self, kind: str) -> dict[str, Declaration]:
        return {d.name: d for d in self.declarations if d.kind == kind}

    def module_template(self, module: Declaration) -> Template:
        return Template(self.path.parent / module.target)


def templates() -> list[Template]:
    return [Template(path) for path in sorted(INFRA.rglob("*.bicep"))]


class Deployment:
    """A template deployed with given parameter values (defaults fill the rest), evaluated lazily."""

    def __init__(self, template: Template, parameters: Mapping[str, Any]) -> None:
        self.template = template
        self.parameters = dict(parameters)
        self._values: dict[str, Any] = {}
        self._modules: dict[str, Deployment] = {}

    # Declarations

    def symbol(self, name: str, local: Mapping[str, Any]) -> Any:
        if name in local:
            return local[name]
        if name not in self._values:
            declaration = self.template.symbols.get(name)
            if declaration is None:
                raise NameError(f"{self.template.path.name}: {name!r} is not declared")
            self._values[name] = self._declared(declaration)
        return self._values[name]

    def _declared(self, declaration: Declaration) -> Any:
        if declaration.kind == "param":
            if declaration.name in self.parameters:
                return self.parameters[declaration.name]
            if declaration.value is None:
                raise KeyError(f"{self.template.path.name}: parameter {declaration.name!r} has no value")
            return self.value(declaration.value)
        if declaration.kind == "var":
            return self.value(declaration.value)
        if declaration.kind == "resource":
            return ResourceRef(declaration.name, declaration.target.split("@")[0])
        return declaration  # a module: its outputs are read through module()

    def enabled(self, declaration: Declaration) -> bool:
        """A resource's or module's `if` condition."""
        value = declaration.value
        return value is None or value.type != "if_statement" or bool(self.value(named(value)[0]))

    def module(self, name: str) -> Deployment:
        """The module deployment, with its parameters evaluated here."""
        if name not in self._modules:
            module = self.template.symbols[name]
            body = properties(module.body)
            params = {key: self.value(node) for key, node in properties(body["params"]).items()}
            self._modules[name] = Deployment(self.template.module_template(module), params)
        return self._modules[name]

    def output(self, name: str) -> Any:
        return self.value(self.template.of_kind("output")[name].value)

    def resources(self, type_name: str) -> Iterator[tuple[Declaration, dict[str, Any]]]:
        """Each enabled resource of a type with its loop variable bound, as (declaration, locals)."""
        for declaration in self.template.of_kind("resource").values():
            if declaration.target.split("@")[0] != type_name or not self.enabled(declaration):
                continue
            value = declaration.value
            if value is not None and value.type == "for_statement":
                variable, items = named(value)[0], named(value)[1]
                for item in self.value(items):
                    yield declaration, {text(variable): item}
            else:
                yield declaration, {}

    # Expressions

    def value(self, node: Node | None, local: Mapping[str, Any] | None = None) -> Any:
        assert node is not None
        local = local or {}
        handler = getattr(self, f"_{node.type}", None)
        if handler is None:
            raise NotImplementedError(
                f"{self.template.path.name}:{node.start_point[0] + 1}: {node.type} {text(node)!r}"
            )
        return handler(node, local)

    def _string(self, node: Node, local: Mapping[str, Any]) -> str:
        parts = []
        for part in named(node):
            if part.type == "string_content":
                parts.append(text(part))
            elif part.type == "escape_sequence":
                parts.append(ESCAPES[text(part)])
            else:  # interpolation
                parts.append(str(self.value(named(part)[0], local)))
        return "".join(parts)

    def _number(self, node: Node, local: Mapping[str, Any]) -> int:
        return int(text(node))

    def _boolean(self, node: Node, local: Mapping[str, Any]) -> bool:
        return text(node) == "true"

    def _array(self, node: Node, local: Mapping[str, Any]) -> list[Any]:
        return [self.value(item, local) for item in named(node)]

    def _object(self, node: Node, local: Mapping[str, Any]) -> dict[str, Any]:
        result = {}
        for prop in children(node, "object_property"):
            key, item = named(prop)[0], named(prop)[-1]
            result[text(key) if key.type == "identifier" else str(self.value(key, local))] = self.value(item, local)
        return result

    def _identifier(self, node: Node, local: Mapping[str, Any]) -> Any:
        return self.symbol(text(node), local)

    def _parenthesized_expression(self, node: Node, local: Mapping[str, Any]) -> Any:
        return self.value(named(node)[0], local)

    def _member_expression(self, node: Node, local: Mapping[str, Any]) -> Any:
        target, name = node.child_by_field_name("object"), text(node.child_by_field_name("property"))
        # module.outputs.name: the module's own evaluation of that output.
        if target.type == "member_expression" and text(target.child_by_field_name("property")) == "outputs":
            module = target.child_by_field_name("object")
            if isinstance(self.value(module, local), Declaration):
                return self.module(text(module)).output(name)
        owner = self.value(target, local)
        if isinstance(owner, dict):
            return owner[name]
        if isinstance(owner, ResourceRef) and name == "name":
            return self.value(properties(self.template.symbols[owner.name].body)["name"], local)
        if isinstance(owner, (ResourceRef, Unknown)):
            return Unknown(text(node).replace("!.", "."))  # `x!.y` asserts x is deployed: the value is x.y's
        raise NotImplementedError(f"{self.template.path.name}: member {name!r} of {owner!r}")

    def _unary_expression(self, node: Node, local: Mapping[str, Any]) -> Any:
        assert text(node.child_by_field_name("operator")) == "!", text(node)
        return not self.known(self.value(node.child_by_field_name("argument"), local))

    def _binary_expression(self, node: Node, local: Mapping[str, Any]) -> Any:
        left, right = (self.known(self.value(node.child_by_field_name(side), local)) for side in ("left", "right"))
        operators: dict[str, Callable[[], Any]] = {
            "==": lambda: left == right,
            "!=": lambda: left != right,
            "&&": lambda: left and right,
            "||": lambda: left or right,
        }
        return operators[text(node.child_by_field_name("operator"))]()

    def _ternary_expression(self, node: Node, local: Mapping[str, Any]) -> Any:
        condition = self.known(self.value(node.child_by_field_name("condition"), local))
        return self.value(node.child_by_field_name("consequence" if condition else "alternative"), local)

    def known(self, value: Any) -> Any:
        """A value a decision depends on, which must not be one only Azure knows."""
        if isinstance(value, Unknown):
            raise ValueError(f"{self.template.path.name}: a decision depends on {value}, known only in Azure")
        return value

    def _call_expression(self, node: Node, local: Mapping[str, Any]) -> Any:
        name = text(node.child_by_field_name("function"))
        args = [self.value(arg, local) for arg in named(node.child_by_field_name("arguments"))]
        functions: dict[str, Callable[[], Any]] = {
            "empty": lambda: not args[0],
            "union": lambda: {key: value for arg in args for key, value in arg.items()},
            "string": lambda: str(args[0]).lower() if isinstance(args[0], bool) else str(args[0]),
            "toLower": lambda: str(args[0]).lower() if isinstance(args[0], str) else Unknown(f"toLower({args[0]})"),
            "uniqueString": lambda: Unknown(text(node)),
            "subscription": lambda: Unknown("subscription()"),
            "guid": lambda: Guid(tuple(args)),
            "subscriptionResourceId": lambda: "/".join(["/providers", *map(str, args)]),
            "loadJsonContent": lambda: json.loads((self.template.path.parent / args[0]).read_text()),
        }
        if name not in functions:
            raise NotImplementedError(f"{self.template.path.name}: function {name}()")
        return functions[name]()


def azd_parameters(template: Template, parameters_file: Path, environment: Mapping[str, str]) -> dict[str, Any]:
    """What azd passes for main.parameters.json in an environment: `${NAME}` / `${NAME=default}` substituted,
    strings to bool / int by the parameter's type. azd prompts for an empty string parameter that has no
    default: that raises here."""

    def substitute(raw: str) -> str:
        pattern = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:=((?:[^${}]|\$\{[^}]*\})*))?\}")
        return pattern.sub(lambda m: environment.get(m[1]) or substitute(m[2] or ""), raw)

    declared = template.of_kind("param")
    values: dict[str, Any] = {}
    for name, entry in json.loads(parameters_file.read_text())["parameters"].items():
        raw = substitute(entry["value"])
        kind = declared[name].type_name
        if kind == "bool":
            values[name] = {"true": True, "false": False}[raw.lower()]
        elif kind == "int":
            values[name] = int(raw)
        elif raw or declared[name].value is not None:
            values[name] = raw
        else:
            raise KeyError(f"azd would prompt for {name}: {entry['value']} is empty and the parameter has no default")
    return values


# What azd itself puts in every environment (azd env new, azd auth login).
AZD_ENVIRONMENT = {"AZURE_ENV_NAME": "dev", "AZURE_LOCATION": "swedencentral", "AZURE_PRINCIPAL_ID": "deploying-user"}
MAIN = Template(INFRA / "main.bicep")


def deploy(**environment: str) -> Deployment:
    """`azd up` in an azd environment with these values set (`azd env set NAME value`)."""
    return Deployment(MAIN, azd_parameters(MAIN, INFRA / "main.parameters.json", {**AZD_ENVIRONMENT, **environment}))


def app_settings(deployment: Deployment) -> dict[str, Any]:
    """The Function App's app settings as the deployment computes them."""
    return deployment.module("functionApp").parameters["appSettings"]
