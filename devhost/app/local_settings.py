"""``local.settings.json`` handling, as Core Tools does it: ``Values`` become environment variables and
``Host.CORS`` / ``Host.CORSCredentials`` say which other web origins may call the host."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("devhost")


class LocalSettingsError(ValueError):
    """local.settings.json cannot be used as it is; the message names the file and the problem."""


@dataclass(frozen=True)
class LocalSettings:
    applied: list[str]
    cors: list[str]
    cors_credentials: bool = False


def apply_local_settings(root: Path) -> LocalSettings:
    """Export ``Values`` from ``local.settings.json`` that the environment does not already set.

    Real environment variables win, as with ``func start``, so a test or a shell can override a file value.
    """
    path = root / "local.settings.json"
    if not path.exists():
        return LocalSettings([], [])
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LocalSettingsError(f"{path} is not valid JSON: {exc}") from None
    values, host = _section(document, "Values", path), _section(document, "Host", path)
    applied = []
    for key, value in values.items():
        if key not in os.environ:
            os.environ[key] = "" if value is None else str(value)
            applied.append(key)
    log.info("applied %d settings from %s", len(applied), path)
    cors = [origin.strip() for origin in str(host.get("CORS") or "").split(",") if origin.strip()]
    return LocalSettings(applied, cors, host.get("CORSCredentials") is True)


def _section(document: Any, name: str, path: Path) -> dict[str, Any]:
    section = document.get(name, {}) if isinstance(document, dict) else None
    if not isinstance(section, dict):
        raise LocalSettingsError(f"{path}: '{name}' must be an object")
    return section
