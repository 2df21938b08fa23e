"""Page URLs of the dashboard, so every view links to the others the same way."""

from __future__ import annotations

from urllib.parse import quote

PAGE_ROOT = "/dashboard"


def orchestration_url(instance_id: str) -> str:
    return f"{PAGE_ROOT}/orchestrations/{quote(instance_id, safe='')}"


def session_url(entity_id: str) -> str:
    return f"{PAGE_ROOT}/agents/{quote(entity_id, safe='@')}"
