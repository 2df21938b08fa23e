"""History events in the JSON shape the Durable Functions Python SDK replays.

Field names, event type numbers and the timestamp format follow the Durable extension's
out-of-process protocol (see ``shared/design/durable-functions-protocol.md``).
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum
from typing import Any


class EventType(IntEnum):
    EXECUTION_STARTED = 0
    EXECUTION_COMPLETED = 1
    EXECUTION_TERMINATED = 3
    TASK_SCHEDULED = 4
    TASK_COMPLETED = 5
    TASK_FAILED = 6
    SUB_ORCHESTRATION_CREATED = 7
    SUB_ORCHESTRATION_COMPLETED = 8
    SUB_ORCHESTRATION_FAILED = 9
    TIMER_CREATED = 10
    TIMER_FIRED = 11
    ORCHESTRATOR_STARTED = 12
    ORCHESTRATOR_COMPLETED = 13
    EVENT_SENT = 14
    EVENT_RAISED = 15
    CONTINUE_AS_NEW = 16
    GENERIC_EVENT = 17  # carries nothing the orchestrator reads; wakes an instance (a rewind)


#: Events that hold a sequence id the orchestrator assigned to work it scheduled.
SCHEDULING_EVENTS = (
    EventType.TASK_SCHEDULED,
    EventType.TIMER_CREATED,
    EventType.EVENT_SENT,
    EventType.SUB_ORCHESTRATION_CREATED,
)


def timestamp(at: float) -> str:
    """Epoch seconds as the SDK's timestamp string (UTC, microseconds, trailing Z)."""
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> float:
    """An ISO 8601 time as epoch seconds; one without a zone is UTC, as the Durable extension reads it."""
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).timestamp()


def event(kind: EventType, at: float, event_id: int = -1, **fields: Any) -> dict[str, Any]:
    return {"EventType": int(kind), "EventId": event_id, "IsPlayed": False, "Timestamp": timestamp(at), **fields}


def execution_started(name: str, input_json: str | None, at: float, version: str | None = None) -> dict[str, Any]:
    return event(EventType.EXECUTION_STARTED, at, Name=name, Input=input_json, Version=version or "")


def task_completed(task_id: int, result_json: str | None, at: float) -> dict[str, Any]:
    return event(EventType.TASK_COMPLETED, at, TaskScheduledId=task_id, Result=result_json)


def task_failed(task_id: int, reason: str, details: str, at: float) -> dict[str, Any]:
    return event(EventType.TASK_FAILED, at, TaskScheduledId=task_id, Reason=reason, Details=details)


def event_raised(name: str, input_json: str | None, at: float) -> dict[str, Any]:
    return event(EventType.EVENT_RAISED, at, Name=name, Input=input_json)


def timer_fired(timer_id: int, fire_at: str, at: float) -> dict[str, Any]:
    return event(EventType.TIMER_FIRED, at, TimerId=timer_id, FireAt=fire_at)


def sub_orchestration_completed(task_id: int, result_json: str | None, at: float) -> dict[str, Any]:
    return event(EventType.SUB_ORCHESTRATION_COMPLETED, at, TaskScheduledId=task_id, Result=result_json)


def sub_orchestration_failed(task_id: int, reason: str, details: str, at: float) -> dict[str, Any]:
    return event(EventType.SUB_ORCHESTRATION_FAILED, at, TaskScheduledId=task_id, Reason=reason, Details=details)
