"""Call the app's activity and entity functions as the Python worker and the Durable extension do.

Nothing here touches the store: each call returns what the engine then commits, so a result can be
kept and committed again after a store error without calling the app a second time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from azure.functions import _durable_functions as df_json

from ..app.app_index import FunctionIndex, is_async
from ..store import events as ev
from ..store.event_store import ActivityItem, EntityOp
from . import durable_http, limits
from .tracebacks import describe, user_traceback

log = logging.getLogger("devhost.engine")

#: How many characters of a failed activity's reason its host log line shows.
LOGGED_REASON = 300


class UnknownFunction(LookupError):
    """No orchestrator, activity or entity of that name is registered in the app."""


def run_activity(item: ActivityItem, index: FunctionIndex, stopping: threading.Event) -> dict[str, Any]:
    """The ``TaskCompleted`` or ``TaskFailed`` event the activity's run ends with."""
    try:
        if item.name == durable_http.ACTIVITY_NAME:  # call_http: the host's own built-in activity
            result_json = durable_http.call(item.input or "{}", stopping)
        else:
            activity = index.activities.get(item.name)
            if activity is None:
                raise UnknownFunction(f"no activity function named '{item.name}' in this app")
            result_json = _invoke_activity(activity.handler, activity.input_param, item.input)
        limits.check_payload(f"The result of activity '{item.name}'", result_json)
        return ev.task_completed(item.task_id, result_json, time.time())
    except durable_http.DurableHttpError as exc:  # the extension fails the task with the request's error
        return ev.task_failed(item.task_id, str(exc), "", time.time())
    except Exception as exc:  # worded as the extension reports an activity's exception to its orchestrator
        reason = f"Activity function '{item.name}' failed: {describe(exc)}"
        return ev.task_failed(item.task_id, reason, user_traceback(exc), time.time())


def failure_line(name: str, outcome: dict[str, Any], limit: int = LOGGED_REASON) -> str:
    """Why an activity failed, for the host log: the exception's type and message (its ``TaskFailed`` reason
    without the extension's prefix), on one line and at most ``limit`` characters; the history keeps it whole."""
    reason = str(outcome.get("Reason") or "no reason given").removeprefix(f"Activity function '{name}' failed: ")
    line = " ".join(reason.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _invoke_activity(handler: Any, input_param: str, input_json: str | None) -> str:
    """Decode the input, run, encode the result, as the Python worker does."""
    try:
        value = df_json.df_loads(input_json) if input_json is not None else None
    except json.JSONDecodeError:
        value = input_json
    result = handler(**{input_param: value})
    if is_async(handler):
        result = asyncio.run(result)
    return df_json.df_dumps(result)


def run_entity_batch(
    handler: Callable[..., str] | None, entity_id: str, state: str | None, exists: bool, ops: list[EntityOp]
) -> dict[str, Any]:
    """The entity's answer to a batch of operations: new state, one result per operation, signals sent.

    A batch that raises, or whose state or results Azure could not carry, answers every operation with
    the error and leaves the state as it was (rather than being retried forever).
    """
    _, name, key = entity_id.split("@", 2)
    try:
        if handler is None:
            raise UnknownFunction(f"no entity function named '{name}' in this app")
        batch = {
            "self": {"name": name, "key": key},
            "state": state,
            "exists": exists,
            # The SDK decodes an operation input twice (json, then its own codec).
            "batch": [{"name": op.operation, "input": json.dumps(op.input)} for op in ops],
        }
        result = json.loads(handler(json.dumps(batch)))
        _check_limits(entity_id, result)
        return result
    except Exception as exc:
        log.exception("entity %s failed", entity_id)
        return {
            "entityExists": exists,
            "entityState": state,
            "results": [{"isError": True, "result": json.dumps(str(exc))} for _ in ops],
        }


def _check_limits(entity_id: str, result: dict[str, Any]) -> None:
    if result.get("entityExists"):
        limits.check_payload(f"The state of entity '{entity_id}'", result.get("entityState"))
    for outcome in result.get("results") or []:
        limits.check_payload(f"A result of entity '{entity_id}'", outcome.get("result"))
    for signal in result.get("signals") or []:
        limits.check_payload(f"A signal from entity '{entity_id}'", signal.get("input"))
