"""What the local host reads from the app's ``host.json``: the Durable extension's versioning and concurrency.

The names, defaults and comparison rules are the extension's (see "Orchestration versioning in Durable
Functions" and ``DurableTaskOptions``), so an app behaves here as it will in Azure.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MATCH_STRATEGIES = ("None", "Strict", "CurrentOrOlder")
FAILURE_STRATEGIES = ("Reject", "Fail")
_SYSTEM_VERSION = re.compile(r"\d+(?:\.\d+){1,3}")


class HostConfigError(ValueError):
    """host.json cannot be read or holds a value the Durable extension would reject."""


@dataclass(frozen=True)
class Versioning:
    """``defaultVersion`` with the strategies that decide which instances this host may run."""

    default_version: str
    match: str = "CurrentOrOlder"
    on_mismatch: str = "Reject"

    def mismatch(self, version: str | None) -> str | None:
        """Why an instance of ``version`` must not run here, or None when it may."""
        order = compare_versions(version, self.default_version)
        ours = f"the worker version '{self.default_version}'"
        if self.match == "Strict" and order != 0:
            return f"The orchestration version '{version or ''}' does not match {ours}."
        if self.match == "CurrentOrOlder" and order > 0:
            return f"The orchestration version '{version}' is greater than {ours}."
        return None


@dataclass(frozen=True)
class DurableConfig:
    versioning: Versioning | None = None
    max_activities: int = 10 * (os.cpu_count() or 1)
    max_entities: int = 10 * (os.cpu_count() or 1)

    @property
    def default_version(self) -> str | None:
        return self.versioning.default_version if self.versioning else None


def compare_versions(left: str | None, right: str | None) -> int:
    """-1, 0 or 1, as the extension compares: empty is oldest, ``System.Version`` numbers numerically,
    anything else case-insensitively as text."""
    if not left or not right:
        return (bool(left) > bool(right)) - (bool(left) < bool(right))
    if _SYSTEM_VERSION.fullmatch(left) and _SYSTEM_VERSION.fullmatch(right):
        a, b = tuple(map(int, left.split("."))), tuple(map(int, right.split(".")))
    else:
        a, b = left.casefold(), right.casefold()  # type: ignore[assignment]
    return (a > b) - (a < b)


def load(root: Path) -> DurableConfig:
    """``extensions.durableTask`` from ``root/host.json``; defaults when the file or the section is absent."""
    path = root / "host.json"
    if not path.exists():
        return DurableConfig()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HostConfigError(f"{path} is not valid JSON: {exc}") from None
    extensions = document.get("extensions") if isinstance(document, dict) else None
    durable = (extensions.get("durableTask") if isinstance(extensions, dict) else None) or {}
    if not isinstance(durable, dict):
        raise HostConfigError(f"{path}: extensions.durableTask must be an object")
    defaults = DurableConfig()
    return DurableConfig(
        versioning=_versioning(durable, path),
        max_activities=_positive(durable, "maxConcurrentActivityFunctions", defaults.max_activities, path),
        max_entities=_positive(durable, "maxConcurrentEntityFunctions", defaults.max_entities, path),
    )


def _versioning(durable: dict[str, Any], path: Path) -> Versioning | None:
    version = durable.get("defaultVersion")
    if version is None:
        return None
    match = _choice(durable, "versionMatchStrategy", MATCH_STRATEGIES, "CurrentOrOlder", path)
    on_mismatch = _choice(durable, "versionFailureStrategy", FAILURE_STRATEGIES, "Reject", path)
    return Versioning(str(version), match, on_mismatch)


def _choice(durable: dict[str, Any], key: str, allowed: tuple[str, ...], default: str, path: Path) -> str:
    value = durable.get(key, default)
    for name in allowed:
        if str(value).casefold() == name.casefold():
            return name
    raise HostConfigError(f"{path}: durableTask.{key} is '{value}'; use one of {', '.join(allowed)}")


def _positive(durable: dict[str, Any], key: str, default: int, path: Path) -> int:
    value = durable.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise HostConfigError(f"{path}: durableTask.{key} must be a positive whole number, not {value!r}")
    return value
