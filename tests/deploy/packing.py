"""What `azd deploy` and `func azure functionapp publish` put in the app's zip, computed their way.

azd (cli/azd/pkg/project/project_utils.go, createDeployableZip) walks the folder, skips `.azure`, the
ignore file and `local.settings.json`, and drops whatever `.funcignore` ignores under gitignore rules; an
ignored folder is not entered. Core Tools (FileSystemHelpers.GetLocalFiles with GitIgnoreParser) lists
every file except `.git` / `.vscode` folders and a few names, then asks its own matcher, a port of the npm
gitignore-parser: each pattern becomes a regular expression anchored at the app root and ending at a word
boundary, and a path is kept when any `!` pattern matches it or no other pattern does.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pathspec

CORE_TOOLS_SKIPPED_FOLDERS = {".git", ".vscode"}
CORE_TOOLS_SKIPPED_FILES = {".funcignore", ".gitignore", "local.settings.json", "project.lock.json"}


class CoreToolsIgnore:
    """Azure.Functions.Cli.Common.GitIgnoreParser, line for line."""

    def __init__(self, content: str) -> None:
        positive: list[str] = []
        negative: list[str] = []
        for raw in content.split("\n"):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            target = positive
            if line.startswith("!"):
                line, target = line[1:], negative
            target.append(line[1:] if line.startswith("/") else line)
        self._positive, self._negative = self._regex(positive), self._regex(negative)

    @staticmethod
    def _regex(patterns: list[str]) -> re.Pattern[str]:
        if not patterns:
            return re.compile("$^")
        prepared = [
            re.sub(r"[\-\[\]/{}()+?.\\^$|]", lambda m: "\\" + m.group(0), p)
            .replace("**", "(.+)")
            .replace("*", r"([^\/]+)")
            for p in sorted(patterns)
        ]
        # ECMAScript \b is ASCII-only.
        return re.compile("^((" + ")|(".join(prepared) + r"))\b", re.ASCII)

    def accepts(self, path: str) -> bool:
        return bool(self._negative.match(path)) or not self._positive.match(path)


def core_tools_pack(root: Path) -> set[str]:
    """Relative paths of the files `func azure functionapp publish` zips."""
    ignore = CoreToolsIgnore((root / ".funcignore").read_text())
    packed = set()
    for folder, folders, files in os.walk(root, followlinks=True):
        folders[:] = [name for name in folders if name.lower() not in CORE_TOOLS_SKIPPED_FOLDERS]
        for name in files:
            if name.lower() in CORE_TOOLS_SKIPPED_FILES:
                continue
            relative = (Path(folder) / name).relative_to(root).as_posix()
            if ignore.accepts(relative):
                packed.add(relative)
    return packed


def azd_pack(root: Path) -> set[str]:
    """Relative paths of the files `azd deploy` zips for a Function App (`host: function`)."""
    spec = pathspec.GitIgnoreSpec.from_lines((root / ".funcignore").read_text().splitlines())
    packed = set()
    for folder, folders, files in os.walk(root, followlinks=True):
        base = Path(folder).relative_to(root)
        folders[:] = [
            name for name in folders if name != ".azure" and not spec.match_file((base / name).as_posix() + "/")
        ]
        packed |= {
            (base / name).as_posix()
            for name in files
            if name not in (".funcignore", "local.settings.json") and not spec.match_file((base / name).as_posix())
        }
    return packed


def local_imports(source: Path, root: Path) -> set[str]:
    """Top-level names imported by a module that are modules or packages of the app folder itself."""
    names = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {name for name in names if (root / f"{name}.py").is_file() or (root / name / "__init__.py").is_file()}


def app_closure(root: Path, entry: str = "function_app") -> set[str]:
    """The app folder's own modules and packages that `entry` needs, following imports transitively."""
    seen: set[str] = set()
    pending = [entry]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        sources = [root / f"{name}.py"] if (root / f"{name}.py").is_file() else sorted((root / name).rglob("*.py"))
        for source in sources:
            pending.extend(local_imports(source, root) - seen)
    return seen
