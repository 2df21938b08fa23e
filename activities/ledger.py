"""Run a side effect at most once per orchestration step, even when the runtime repeats the activity.

The durable runtime delivers activities at least once. Each activity records its result
under the key (instance id, step) after doing its work; a repeated call finds the record,
skips the side effect and returns the recorded result marked `"repeat": true`.
A crash between the side effect and the record can still repeat it: artifacts then land
under the same name, and mail carries the same Message-ID so mail systems can drop the copy.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from activities.storage import ArtifactStore, safe_name

logger = logging.getLogger(__name__)


def idempotency_key(instance_id: str, step: str) -> str:
    return f"{instance_id}/{step}"


def artifact_name(request: Mapping[str, Any], folder: str, label: str, extension: str) -> str:
    """Where a step keeps its artifact: named by its idempotency key, so no other orchestration or step
    can overwrite it. `label` (an email id, a title) only makes the name readable."""
    instance_id, step = safe_name(str(request["instance_id"])), safe_name(str(request["step"]))
    return f"{folder}/{instance_id}/{step}-{safe_name(label)}.{extension}"


def run_once(store: ArtifactStore, request: dict[str, Any], action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Return the recorded result of this step, or run `action` and record its result."""
    instance_id, step = str(request["instance_id"]), str(request["step"])
    key = idempotency_key(instance_id, step)
    record_name = f"ledger/{safe_name(instance_id)}/{safe_name(step)}.json"
    recorded = store.get(record_name)
    if recorded is not None:
        logger.info("Step %s already done; returning the recorded result without repeating it", key)
        return {**json.loads(recorded), "repeat": True}
    result = {**action(), "idempotency_key": key}
    store.put(record_name, json.dumps(result, indent=2).encode(), "application/json")
    return {**result, "repeat": False}
