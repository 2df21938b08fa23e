"""Rewind a failed orchestration: run again what failed it, and what it was still waiting for.

The history is cut back to the episode that received the last failure of an activity or
sub-orchestration (the last episode when the orchestrator failed on its own): replay reaches the same
point and carries on from there. The failures that episode received are run again (a failed
sub-orchestration is rewound in turn); the events it and later episodes received for work scheduled
before the cut are delivered again; work the failure abandoned (activities still running, timers still
pending) is queued again. What the orchestrator did after the cut (a retry's timers, say) is redone by
the replay. The custom status stays. Entity calls are not re-sent: their answers stay in the queue.
"""

from __future__ import annotations

import json
from typing import Any

from ..store import events as ev
from ..store.event_store import Tx
from ..store.events import SCHEDULING_EVENTS, EventType

_FAILURES = (EventType.TASK_FAILED, EventType.SUB_ORCHESTRATION_FAILED)
_SETTLING = (EventType.TASK_COMPLETED, EventType.SUB_ORCHESTRATION_COMPLETED, *_FAILURES)
_EPISODE_MARKS = (EventType.ORCHESTRATOR_STARTED, EventType.ORCHESTRATOR_COMPLETED, EventType.EXECUTION_COMPLETED)


def rewind(tx: Tx, instance_id: str, reason: str, now: float) -> None:
    history = tx.history(instance_id)
    cut = _cut(history)
    kept, later = history[:cut], history[cut:]
    scheduled_before = {e["EventId"] for e in kept if e["EventType"] in SCHEDULING_EVENTS}
    first_episode_end = next((i for i, e in enumerate(later) if e["EventType"] == EventType.ORCHESTRATOR_COMPLETED), 0)
    redelivered = [
        e
        for i, e in enumerate(later)
        if e["EventType"] not in (*SCHEDULING_EVENTS, *_EPISODE_MARKS)
        and not (i < first_episode_end and e["EventType"] in _FAILURES)  # what failed it runs again
        and _target(e) in (None, *scheduled_before)  # results of work scheduled after the cut are redone
    ]
    tx.truncate_history(instance_id, cut)
    tx.reopen(instance_id)
    tx.send(instance_id, ev.event(EventType.GENERIC_EVENT, now, Data=json.dumps(f"Rewound: {reason}")))
    for event in redelivered:
        tx.send(instance_id, {**event, "IsPlayed": False})
    settled = _settled(kept + redelivered)
    for event in kept:
        if event["EventType"] in SCHEDULING_EVENTS and event["EventId"] not in settled:
            _run_again(tx, instance_id, event, reason, now)


def _cut(history: list[dict[str, Any]]) -> int:
    """Where the kept history ends: the start of the episode that received the last failure."""
    failures = [i for i, e in enumerate(history) if e["EventType"] in _FAILURES]
    end = failures[-1] if failures else len(history)
    starts = [i for i, e in enumerate(history[:end]) if e["EventType"] == EventType.ORCHESTRATOR_STARTED]
    return starts[-1] if starts else 0


def _target(event: dict[str, Any]) -> int | None:
    """The sequence id of the work an event settles, or None (external events, entity answers)."""
    if event["EventType"] in _SETTLING:
        return event["TaskScheduledId"]
    return event["TimerId"] if event["EventType"] == EventType.TIMER_FIRED else None


def _settled(events: list[dict[str, Any]]) -> set[int]:
    """Sequence ids whose work has a result (or a fired timer) among ``events``."""
    return {target for e in events if (target := _target(e)) is not None}


def _run_again(tx: Tx, instance_id: str, scheduled: dict[str, Any], reason: str, now: float) -> None:
    task_id, kind = scheduled["EventId"], scheduled["EventType"]
    if kind == EventType.TASK_SCHEDULED:
        tx.schedule_activity(instance_id, task_id, scheduled["Name"], scheduled.get("Input"))
    elif kind == EventType.TIMER_CREATED:  # cancelled timers fire too, as in Azure; the SDK ignores them
        fire_at = ev.parse_timestamp(scheduled["FireAt"])
        tx.send(
            instance_id, ev.timer_fired(task_id, scheduled["FireAt"], fire_at), visible_at=fire_at, timer_id=task_id
        )
    elif kind == EventType.SUB_ORCHESTRATION_CREATED:
        child = scheduled["InstanceId"]
        status = tx.status(child)
        if status == "Failed":
            rewind(tx, child, reason, now)
        elif status is None:  # purged meanwhile: start it again
            input_json, version = scheduled.get("Input"), scheduled.get("Version") or None
            tx.create_instance(child, scheduled["Name"], input_json, instance_id, task_id, version)
            tx.send(child, ev.execution_started(scheduled["Name"], input_json, now, version))
