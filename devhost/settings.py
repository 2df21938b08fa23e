"""``local.settings.json`` handling, as Core Tools does it: ``Values`` become environment variables."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger("devhost")


def apply_local_settings(root: Path) -> list[str]:
    """Export ``Values`` from ``local.settings.json`` that the environment does not already set.

    Real environment variables win, as with ``func start``, so a test or a shell can override a file value.
    """
    path = root / "local.settings.json"
    if not path.exists():
        return []
    try:
        values = json.loads(path.read_text(encoding="utf-8")).get("Values", {})
    except (json.JSONDecodeError, AttributeError) as exc:
        raise SystemExit(f"{path} is not valid JSON with a 'Values' object: {exc}") from exc
    applied = []
    for key, value in values.items():
        if key not in os.environ:
            os.environ[key] = str(value)
            applied.append(key)
    log.info("applied %d settings from %s", len(applied), path)
    return applied
