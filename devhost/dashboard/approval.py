"""Human in the loop: spot an orchestration waiting for a reviewer, and where its decision goes.

A flow that waits for ``ApprovalDecision`` says so in its custom status: a ``stage`` or ``status``
such as "awaiting_approval", or ``"awaiting": "ApprovalDecision"`` whatever the stage is called
(an escalated review), with the ``draft`` under review. The decision is posted where a
reviewer's web form would post it: the app's own decision route when it has one, so the app's
validation runs, else the Durable HTTP API's raiseEvent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..app.app_index import FunctionIndex
from ..store.event_store import Instance
from ..web.durable_api import PUBLIC_PREFIX
from ..web.http_functions import API_PREFIX

APPROVAL_EVENT = "ApprovalDecision"
_WAITING = re.compile(r"await|wait|pending|need", re.IGNORECASE)
_REVIEW = re.compile(r"approv|review", re.IGNORECASE)
_DECISION_ROUTE = re.compile(r"^(?P<head>[^{}]*)\{(?P<param>\w+)(?::\w+)?\}/decision$", re.IGNORECASE)


@dataclass(frozen=True)
class PendingReview:
    event: str
    draft: Any
    details: dict[str, Any]
    decision_url: str
    via: str  # "app": the app's decision route; "durable-api": raiseEvent


def pending_review(instance: Instance, custom_status: Any, index: FunctionIndex) -> PendingReview | None:
    """The review an orchestration waits for, or None when it is not waiting for one."""
    if instance.status != "Running" or not awaits_review(custom_status):
        return None
    details = {k: v for k, v in custom_status.items() if k not in ("stage", "status", "draft")}
    url, via = decision_url(instance.id, index)
    return PendingReview(APPROVAL_EVENT, custom_status.get("draft"), details, url, via)


def awaits_review(custom_status: Any) -> bool:
    if not isinstance(custom_status, dict):
        return False
    if custom_status.get("awaiting") == APPROVAL_EVENT:
        return True
    stage = " ".join(str(custom_status.get(k, "")) for k in ("stage", "status"))
    return bool(_WAITING.search(stage) and _REVIEW.search(stage))


def decision_url(instance_id: str, index: FunctionIndex) -> tuple[str, str]:
    """The app's ``POST .../{id}/decision`` route for this instance, else the raiseEvent URL."""
    for function in index.http:
        found = _DECISION_ROUTE.match(function.route.strip("/"))
        if found and (not function.methods or "POST" in function.methods):
            return f"{API_PREFIX}{found['head']}{quote(instance_id, safe='')}/decision", "app"
    return f"{PUBLIC_PREFIX}/instances/{quote(instance_id, safe='')}/raiseEvent/{APPROVAL_EVENT}", "durable-api"
