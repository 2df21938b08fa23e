"""The floors of devhost/README.md, held against the code: imports point down, and none runs in a circle."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from devhost.process import REPO

DEVHOST = REPO / "devhost"

#: Each part of the host and the parts below it that it may import (devhost/README.md, "Floors").
MAY_IMPORT: dict[str, set[str]] = {
    "store": set(),
    "app": set(),
    "runtime": {"store", "app"},
    "web": {"runtime", "store", "app"},
    "mcp": {"web", "runtime", "store", "app"},
    "dashboard": {"web", "runtime", "store", "app"},
    "server": {"dashboard", "mcp", "web", "runtime", "store", "app"},
    "__main__": {"server", "web"},
    "process": set(),
    "__init__": set(),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> Iterator[str]:
    """The devhost modules ``path`` imports, as dotted names (``from .x import y`` counted as ``x.y`` or ``x``)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.split(".")[0] == "devhost":
                for alias in node.names:
                    candidate = f"{target}.{alias.name}"
                    yield candidate if _exists(candidate) else target
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.split(".")[0] == "devhost")


def _exists(module: str) -> bool:
    path = REPO.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def part(module: str) -> str:
    """The part of the host a module belongs to: its subpackage, or its own name at the top."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports() -> dict[str, set[str]]:
    return {module_name(p): set(imported_modules(p)) for p in sorted(DEVHOST.rglob("*.py"))}


def test_every_import_points_down_the_floors() -> None:
    upward = [
        f"{module} imports {target}"
        for module, targets in imports().items()
        for target in targets
        if part(target) != part(module) and part(target) not in MAY_IMPORT[part(module)]
    ]
    assert upward == []


def test_no_modules_import_each_other_in_a_circle() -> None:
    graph = imports()
    circles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        for target in sorted(graph.get(module, ())):
            if target in trail:
                circles.append([*trail[trail.index(target) :], target])
            elif target in graph:
                visit(target, [*trail, target])

    for module in graph:
        visit(module, [module])
    assert circles == []


def test_the_floors_know_every_part_of_the_host() -> None:
    assert {part(module) for module in imports()} <= set(MAY_IMPORT)
