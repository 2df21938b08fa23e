"""Run a side effect at most once per step of an orchestration execution, even when the runtime repeats it.

The durable runtime delivers activities at least once, and retries failed ones. Each step
call carries an idempotency key (see `orchestrations.activity_calls.call_step`): the same for every
replay, re-run and retry of that call, different for every execution, so a new run under a
reused instance id does its side effects again. An activity records its result under that key
after doing its work; a repeated call finds the record, skips the side effect and returns the
recorded result marked `"repeat": true`. A crash between the side effect and the record can
still repeat it: artifacts then land under the same name, and mail carries the same Message-ID
so mail systems can drop the copy.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from activities.contracts import StepCall
from activities.storage import ArtifactStore, name_part

logger = logging.getLogger(__name__)


def idempotency_key(call: StepCall) -> str:
    """The key of this step call: a UUID the orchestration derived from its execution (safe as a name part)."""
    return name_part(call.idempotency_key)


def follow_up(call: StepCall, label: str) -> StepCall:
    """A second side effect of the same step call: a key of its own (so its own ledger record, and a mail of its own
    Message-ID), derived from the call's key so that every repeat of the call derives the same one."""
    key = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:step:{call.idempotency_key}/{label}")
    return call.model_copy(update={"step": f"{call.step}-{label}", "idempotency_key": str(key)})


def artifact_path(call: StepCall, label: str, extension: str) -> str:
    """`<instance>/<label>-<key>.<extension>`: unique through the key, readable through the instance id and label,
    and short enough for any file system and for blob names, whatever the instance id."""
    return f"{name_part(call.instance_id)}/{name_part(label)}-{idempotency_key(call)}.{extension}"


def artifact_name(call: StepCall, folder: str, label: str, extension: str) -> str:
    """Where a step keeps its artifact in the store: no other execution or step can overwrite it."""
    return f"{folder}/{artifact_path(call, label, extension)}"


def run_once(store: ArtifactStore, call: StepCall, action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Return the recorded result of this step call, or run `action` and record its result."""
    key = idempotency_key(call)
    record_name = artifact_name(call, "ledger", call.step, "json")
    recorded = store.get(record_name)
    if recorded is not None:
        logger.info("Step %s (%s) already done; returning the recorded result", call.step, key)
        return {**json.loads(recorded), "repeat": True}
    result = {**action(), "idempotency_key": key}
    store.put(record_name, json.dumps(result, indent=2).encode(), "application/json")
    return {**result, "repeat": False}
