"""An orchestration's history as timeline steps: what it scheduled, when, and when each finished.

The history holds a scheduling event per piece of work (with the sequence id the orchestrator
assigned) and, later, the event that settled it. Pairing them gives each step a start and an end,
so work that ran at the same time shows as overlapping bars.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..store.event_store import Instance
from ..store.events import EventType, parse_timestamp
from .conversation import AGENT_PREFIX, split_entity_id
from .jsonview import duration_ms, iso, parse
from .links import orchestration_url, session_url

_SETTLING = (
    EventType.TASK_COMPLETED,
    EventType.TASK_FAILED,
    EventType.SUB_ORCHESTRATION_COMPLETED,
    EventType.SUB_ORCHESTRATION_FAILED,
)
_FAILED = (EventType.TASK_FAILED, EventType.SUB_ORCHESTRATION_FAILED)


@dataclass(frozen=True)
class Step:
    """One bar of the timeline; ``ended_at`` is None while the work is still open."""

    kind: str  # agent | entity | activity | sub-orchestration | timer | event
    name: str
    status: str  # running | completed | failed | pending | fired | cancelled | received | sent
    started_at: str | None
    ended_at: str | None
    offset_ms: float
    duration_ms: float | None
    url: str | None = None  # the agent's conversation, or the sub-orchestration
    entity_id: str | None = None
    instance_id: str | None = None
    fires_at: str | None = None
    input: Any = None
    result: Any = None
    error: str | None = None
    round: int | None = None  # the review round (or any round) the step's input names


def _round(value: Any) -> int | None:
    """A ``round`` the input names: flows that repeat a step (review rounds) say which repetition it is."""
    number = value.get("round") if isinstance(value, dict) else None
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def build_timeline(
    instance: Instance,
    history: list[dict[str, Any]],
    agent_names: Mapping[str, str],
    live_timers: set[int],
) -> list[Step]:
    """Steps in the order the orchestrator scheduled them (external events where they arrived).

    ``agent_names`` maps an agent entity's name (``dafx-...``, lower case) to the agent's display name;
    ``live_timers`` are the ids of timers still queued, which tells a pending timer from a cancelled one.
    """
    settled = {e["TaskScheduledId"]: e for e in history if e["EventType"] in _SETTLING}
    fired = {e["TimerId"]: e for e in history if e["EventType"] == EventType.TIMER_FIRED}
    raised = {e.get("Name"): e for e in history if e["EventType"] == EventType.EVENT_RAISED}
    request_ids = {_request_id(e) for e in history if e["EventType"] == EventType.EVENT_SENT}
    clock = _Clock(instance)
    steps: list[Step] = []
    for event in history:
        kind = event["EventType"]
        if kind == EventType.TASK_SCHEDULED:
            steps.append(_task(clock, event, settled.get(event["EventId"]), "activity"))
        elif kind == EventType.SUB_ORCHESTRATION_CREATED:
            steps.append(_task(clock, event, settled.get(event["EventId"]), "sub-orchestration"))
        elif kind == EventType.EVENT_SENT:
            steps.append(_entity_call(clock, event, raised.get(_request_id(event)), agent_names))
        elif kind == EventType.TIMER_CREATED:
            steps.append(_timer(clock, event, fired.get(event["EventId"]), event["EventId"] in live_timers))
        elif kind == EventType.EVENT_RAISED and event.get("Name") not in request_ids:
            at = _at(event)
            steps.append(
                clock.step("event", event.get("Name", ""), "received", at, at, input=parse(event.get("Input")))
            )
    return steps


class _Clock:
    """Places steps relative to the orchestration's creation, knowing whether the orchestration has ended."""

    def __init__(self, instance: Instance) -> None:
        self.origin = instance.created
        self.terminal = instance.is_terminal

    def step(self, kind: str, name: str, status: str, start: float, end: float | None, **extra: Any) -> Step:
        return Step(
            kind=kind,
            name=name,
            status=status,
            started_at=iso(start),
            ended_at=iso(end),
            offset_ms=round((start - self.origin) * 1000, 1),
            duration_ms=duration_ms(start, end),
            round=_round(extra.get("input")),
            **extra,
        )

    def open_status(self) -> str:
        """What to call work that never settled: still running, or abandoned by an ended orchestration."""
        return "cancelled" if self.terminal else "running"


def _task(clock: _Clock, scheduled: dict[str, Any], done: dict[str, Any] | None, kind: str) -> Step:
    extra: dict[str, Any] = {"input": parse(scheduled.get("Input"))}
    if kind == "sub-orchestration" and scheduled.get("InstanceId"):
        extra["instance_id"] = scheduled["InstanceId"]
        extra["url"] = orchestration_url(scheduled["InstanceId"])
    if done is None:
        return clock.step(kind, scheduled.get("Name", ""), clock.open_status(), _at(scheduled), None, **extra)
    if done["EventType"] in _FAILED:
        extra["error"] = "\n".join(filter(None, (done.get("Reason"), done.get("Details"))))
        status = "failed"
    else:
        extra["result"] = parse(done.get("Result"))
        status = "completed"
    return clock.step(kind, scheduled.get("Name", ""), status, _at(scheduled), _at(done), **extra)


def _entity_call(
    clock: _Clock, sent: dict[str, Any], response: dict[str, Any] | None, agent_names: Mapping[str, str]
) -> Step:
    entity_id = str(sent.get("InstanceId", ""))
    entity_name = split_entity_id(entity_id)[0] or entity_id
    agent = entity_name.startswith(AGENT_PREFIX)
    name = (
        agent_names.get(entity_name, entity_name.removeprefix(AGENT_PREFIX))
        if agent
        else f"{entity_name}.{sent.get('Name')}"
    )
    kind = "agent" if agent else "entity"
    extra: dict[str, Any] = {"entity_id": entity_id, "url": session_url(entity_id) if agent else None}
    if response is None:
        return clock.step(kind, name, "sent" if clock.terminal else "running", _at(sent), None, **extra)
    reply = parse(response.get("Input"))
    reply = reply if isinstance(reply, dict) else {}
    failed = "exceptionType" in reply
    if failed:
        extra["error"] = str(parse(reply.get("result")))
    elif not agent:
        extra["result"] = parse(reply.get("result"))
    return clock.step(kind, name, "failed" if failed else "completed", _at(sent), _at(response), **extra)


def _timer(clock: _Clock, created: dict[str, Any], fired: dict[str, Any] | None, queued: bool) -> Step:
    """A durable timer, named by when it fires: a timer due when created (an orchestrator yielding at once, e.g.
    to open a wait) is "due at once", not an unlabelled zero-length step."""
    due = parse_timestamp(created["FireAt"]) if created.get("FireAt") else None
    fire_at = iso(due)
    if due is None:
        name = "timer"
    else:
        name = (
            "timer, due at once"
            if due <= _at(created)
            else f"timer to {time.strftime('%d %b %H:%M', time.gmtime(due))} UTC"
        )
    if fired is not None:
        return clock.step("timer", name, "fired", _at(created), _at(fired), fires_at=fire_at)
    return clock.step("timer", name, "pending" if queued else "cancelled", _at(created), None, fires_at=fire_at)


def _request_id(sent: dict[str, Any]) -> str | None:
    """The id an entity's reply is raised under (the EventSent input is ``{"id": ...}``)."""
    try:
        value = json.loads(sent.get("Input") or "{}")
    except (json.JSONDecodeError, RecursionError):
        return None
    return value.get("id") if isinstance(value, dict) else None


def _at(event: dict[str, Any]) -> float:
    return parse_timestamp(event["Timestamp"])
