"""Turn the dashboard's typed views into the JSON the page reads.

Views are dataclasses with snake_case fields; the JSON API speaks camelCase like the rest of the
Durable HTTP API, so the conversion lives here once instead of in every handler.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from ..store import events


def to_json(value: Any) -> Any:
    """Dataclasses (recursively) as dicts with camelCase keys; everything else as is."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {_camel(f.name): to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def iso(at: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC with milliseconds, which every browser parses."""
    return None if at is None else events.timestamp(at)[:23] + "Z"


MAX_DEPTH = 32
"""Inputs, outputs and events are shown this deep; deeper values are replaced by a note (any page must render)."""


def parse(text: str | None) -> Any:
    """Stored JSON text as a value, at most MAX_DEPTH levels deep; text that is not JSON is shown as it is."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return text
    except RecursionError:
        return f"(JSON nested too deeply to show, {len(text):,} characters)"
    return bounded(value)


def bounded(value: Any, depth: int = MAX_DEPTH) -> Any:
    """`value` with what lies deeper than `depth` levels replaced by a note saying so."""
    if not isinstance(value, (dict, list)):
        return value
    if depth == 0:
        return f"(nested deeper than {MAX_DEPTH} levels: not shown)"
    if isinstance(value, dict):
        return {key: bounded(item, depth - 1) for key, item in value.items()}
    return [bounded(item, depth - 1) for item in value]


def duration_ms(start: float, end: float | None) -> float | None:
    return None if end is None else round((end - start) * 1000, 1)
