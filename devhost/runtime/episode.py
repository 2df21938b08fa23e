"""One orchestrator episode: replay the history plus new events, and read back what it asks for.

The SDK's own ``Orchestrator`` replays the generator. We keep its context afterwards because
the sequence ids it assigned (``open_tasks``) are the ground truth the history must use; the
retry machinery of ``call_*_with_retry`` shows up only there, as open tasks with no action.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from azure.durable_functions.models import DurableOrchestrationContext
from azure.durable_functions.models.actions import Action, ActionType
from azure.durable_functions.models.actions.CompoundAction import CompoundAction
from azure.durable_functions.models.actions.NoOpAction import NoOpAction
from azure.durable_functions.models.Task import AtomicTask, TaskBase
from azure.durable_functions.orchestrator import Orchestrator

from ..store import events as ev
from ..store.event_store import Instance
from ..store.events import SCHEDULING_EVENTS, EventType
from . import durable_http, limits
from .tracebacks import user_traceback

#: Extra field on history events the host added for a retry (never matched against actions).
RETRY_MARK = "DevhostRetry"
_OUT_OF_PROC = "$OutOfProcData$:"


@dataclass
class EntityRequest:
    entity_id: str
    operation: str
    input: str | None
    request_id: str | None  # None for a one-way signal


@dataclass
class SubOrchestration:
    task_id: int
    name: str
    instance_id: str
    input: str | None
    version: str | None  # None: the host's default version


@dataclass
class Episode:
    """What the host must commit after one run of the orchestrator."""

    events: list[dict[str, Any]] = field(default_factory=list)
    activities: list[tuple[int, str, str | None]] = field(default_factory=list)
    timers: list[tuple[int, float]] = field(default_factory=list)
    cancelled_timers: list[int] = field(default_factory=list)
    entity_requests: list[EntityRequest] = field(default_factory=list)
    sub_orchestrations: list[SubOrchestration] = field(default_factory=list)
    status: str = "Running"  # Running | Completed | Failed | ContinueAsNew
    output: str | None = None
    custom_status: str | None = None
    failure_details: str | None = None  # a failed orchestrator's stack trace


class NonDeterminismError(Exception):
    """The orchestrator no longer schedules what its history says it did."""


def run_episode(
    handler: Callable[..., str],
    instance: Instance,
    past: list[dict[str, Any]],
    new: list[dict[str, Any]],
    now: float,
) -> Episode:
    instance_id, name = instance.id, instance.name
    started = ev.event(EventType.ORCHESTRATOR_STARTED, now)
    replayed = [{**e, "IsPlayed": True} for e in past]
    body = {
        "history": [*replayed, started, *new],
        "input": instance.input,
        "instanceId": instance_id,
        "isReplaying": bool(past),
        "parentInstanceId": instance.parent_id,
        "upperSchemaVersion": 2,
    }
    episode = Episode(events=[started, *new])
    ctx = DurableOrchestrationContext.from_json(json.dumps(body))
    ctx._input_expected_type = getattr(handler, "_df_input_type", None)
    try:
        state = json.loads(Orchestrator(handler.orchestrator_function).handle(ctx))
        _collect_work(ctx, past + new, episode, instance_id, now)
    except NonDeterminismError as exc:
        return _failed(episode, name, f"Non-deterministic workflow detected: {exc}", None, now)
    except Exception as exc:  # the orchestrator itself raised: the SDK wraps it with its state
        return _orchestrator_failed(episode, name, exc, now)

    episode.custom_status = json.dumps(state["customStatus"]) if "customStatus" in state else None
    if ctx.will_continue_as_new:
        episode.status = "ContinueAsNew"
        episode.output = _continue_as_new_input(ctx)
    elif state.get("isDone"):
        episode.status = "Completed"
        episode.output = json.dumps(state.get("output"))
    try:
        _check_limits(state, episode)
    except limits.LimitExceeded as exc:  # nothing of this episode is kept, the custom status included
        return _failed(Episode(events=[started, *new]), name, str(exc), None, now)
    if episode.status == "Completed":
        completed = ev.event(EventType.EXECUTION_COMPLETED, now, OrchestrationStatus=0, Result=episode.output)
        episode.events.append(completed)
    episode.events.append(ev.event(EventType.ORCHESTRATOR_COMPLETED, now))
    return episode


def _check_limits(state: dict[str, Any], episode: Episode) -> None:
    """Raise LimitExceeded when the episode asks for something Azure would refuse."""
    if "customStatus" in state:
        limits.check_custom_status(state["customStatus"])
    for _task_id, activity, input_json in episode.activities:
        limits.check_payload(f"The input of activity '{activity}'", input_json)
    for request in episode.entity_requests:
        what = f"The input of operation '{request.operation}' on entity '{request.entity_id}'"
        limits.check_payload(what, request.input)
    for child in episode.sub_orchestrations:
        limits.check_instance_id(child.instance_id)
        limits.check_payload(f"The input of sub-orchestration '{child.name}'", child.input)
    what = "The input to continue as new with" if episode.status == "ContinueAsNew" else "The orchestration output"
    limits.check_payload(what, episode.output)


def failed_episode(new: list[dict[str, Any]], message: str, now: float) -> Episode:
    """An episode that fails the instance without running the orchestrator (e.g. a version it must not run)."""
    episode = Episode(events=[ev.event(EventType.ORCHESTRATOR_STARTED, now), *new])
    return _fail(episode, message, None, now)


def _orchestrator_failed(episode: Episode, name: str, exc: Exception, now: float) -> Episode:
    """As in the extension: the custom status the failing run set is applied first (one over the limit is
    then the failure), and the instance fails with the error and the stack of the app's code."""
    state = _state_of_failure(exc)
    error = state.get("error") or str(exc).partition(_OUT_OF_PROC)[0].strip()
    details: str | None = user_traceback(exc.__cause__ or exc)
    if "customStatus" in state:
        try:
            limits.check_custom_status(state["customStatus"])
            episode.custom_status = json.dumps(state["customStatus"])
        except limits.LimitExceeded as too_big:
            error, details = str(too_big), None
    return _failed(episode, name, error, details, now)


def _failed(episode: Episode, name: str, error: str, details: str | None, now: float) -> Episode:
    """The orchestrator failed: as in the extension, the status output is the message and the history's
    ``ExecutionCompleted`` event carries the details (the stack trace)."""
    return _fail(episode, f"Orchestrator function '{name}' failed: {error}", details, now)


def _fail(episode: Episode, message: str, details: str | None, now: float) -> Episode:
    episode.status = "Failed"
    episode.output = json.dumps(message)
    completed = ev.event(EventType.EXECUTION_COMPLETED, now, OrchestrationStatus=3, Result=episode.output)
    if details:
        completed["Details"] = episode.failure_details = details
    episode.events += [completed, ev.event(EventType.ORCHESTRATOR_COMPLETED, now)]
    return episode


def _state_of_failure(exc: Exception) -> dict[str, Any]:
    """The orchestrator state the SDK appends to the exception it raises when the orchestrator fails."""
    _, found, state = str(exc).partition(_OUT_OF_PROC)
    try:
        parsed = json.loads(state) if found else {}
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _continue_as_new_input(ctx: DurableOrchestrationContext) -> str | None:
    for action in _flatten(ctx._action_payload_v2):
        if action.action_type == ActionType.CONTINUE_AS_NEW:
            return action.input_
    return None


def _flatten(actions: list[Any]) -> Iterator[Action]:
    for action in actions:
        if isinstance(action, list):
            yield from _flatten(action)
        elif isinstance(action, CompoundAction):
            yield from _flatten(action.compound_tasks)
        else:
            yield action


def _schedules_work(action: Action) -> bool:
    return action.action_type not in (ActionType.WAIT_FOR_EXTERNAL_EVENT, ActionType.CONTINUE_AS_NEW)


def _open_atomic_tasks(ctx: DurableOrchestrationContext) -> Iterator[tuple[int, AtomicTask]]:
    for key, value in ctx.open_tasks.items():
        if isinstance(key, int):
            for task in value if isinstance(value, list) else [value]:
                yield key, task


def _collect_work(
    ctx: DurableOrchestrationContext,
    history: list[dict[str, Any]],
    episode: Episode,
    instance_id: str,
    now: float,
) -> None:
    scheduled = {e["EventId"]: e for e in history if e["EventType"] in SCHEDULING_EVENTS}
    recorded = [e for _, e in sorted(scheduled.items()) if not e.get(RETRY_MARK)]
    actions = [a for a in _flatten(ctx._action_payload_v2) if _schedules_work(a)]
    for position, (old, action) in enumerate(zip(recorded, actions, strict=False)):
        _check_matches(old, action, position)
    if len(actions) < len(recorded):
        missing = recorded[len(actions)]
        raise NonDeterminismError(
            f"history has {EventType(missing['EventType']).name} '{missing.get('Name')}' "
            f"(id {missing['EventId']}) that the orchestrator no longer schedules"
        )

    open_ids = {id(task.action_repr): key for key, task in _open_atomic_tasks(ctx)}
    spare_ids = iter(sorted(set(range(ctx._sequence_number)) - set(scheduled) - set(open_ids.values())))
    for action in actions[len(recorded) :]:
        task_id = open_ids[id(action)] if id(action) in open_ids else next(spare_ids)
        _schedule(action, task_id, episode, instance_id, now, retry=False)

    for key, task in _open_atomic_tasks(ctx):
        action = task.action_repr
        if isinstance(action, NoOpAction) and key not in scheduled:
            _schedule_retry(task, key, episode, instance_id, now)
        elif action.action_type == ActionType.CREATE_TIMER and action.is_cancelled and key in scheduled:
            episode.cancelled_timers.append(key)


#: The history event each kind of action leaves, and the action attribute that event's ``Name`` holds.
_RECORDED_AS = {
    ActionType.CALL_ACTIVITY: (EventType.TASK_SCHEDULED, "function_name"),
    ActionType.CALL_ACTIVITY_WITH_RETRY: (EventType.TASK_SCHEDULED, "function_name"),
    ActionType.CALL_SUB_ORCHESTRATOR: (EventType.SUB_ORCHESTRATION_CREATED, "function_name"),
    ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY: (EventType.SUB_ORCHESTRATION_CREATED, "function_name"),
    ActionType.CREATE_TIMER: (EventType.TIMER_CREATED, None),
    ActionType.CALL_HTTP: (EventType.TASK_SCHEDULED, None),
    ActionType.CALL_ENTITY: (EventType.EVENT_SENT, "operation"),
    ActionType.SIGNAL_ENTITY: (EventType.EVENT_SENT, "operation"),
}


def _check_matches(old: dict[str, Any], action: Action, position: int) -> None:
    expected = _RECORDED_AS.get(action.action_type)
    if expected is None:
        raise NonDeterminismError(f"action {ActionType(action.action_type).name} is not supported by the local host")
    kind, name_attr = expected
    name = getattr(action, name_attr) if name_attr else None
    if old["EventType"] != kind or (name_attr and old.get("Name") != name):
        raise NonDeterminismError(
            f"step {position} was {EventType(old['EventType']).name} '{old.get('Name')}' in the history, "
            f"but the orchestrator now does {ActionType(action.action_type).name} '{name}'"
        )


def _schedule(action: Action, task_id: int, episode: Episode, instance_id: str, now: float, retry: bool) -> None:
    mark = {RETRY_MARK: True} if retry else {}
    kind = action.action_type
    if kind in (ActionType.CALL_ACTIVITY, ActionType.CALL_ACTIVITY_WITH_RETRY):
        episode.events.append(
            ev.event(EventType.TASK_SCHEDULED, now, task_id, Name=action.function_name, Input=action.input_, **mark)
        )
        episode.activities.append((task_id, action.function_name, action.input_))
    elif kind in (ActionType.CALL_SUB_ORCHESTRATOR, ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY):
        child_id = action.instance_id or f"{instance_id}:{task_id:04d}"
        episode.events.append(
            ev.event(
                EventType.SUB_ORCHESTRATION_CREATED,
                now,
                task_id,
                Name=action.function_name,
                InstanceId=child_id,
                Input=action._input,
                Version=action.version or "",
                **mark,
            )
        )
        episode.sub_orchestrations.append(
            SubOrchestration(task_id, action.function_name, child_id, action._input, action.version)
        )
    elif kind == ActionType.CALL_HTTP:  # a built-in activity of the host, as in the Durable extension
        request = json.dumps(action.http_request.to_json())
        episode.events.append(
            ev.event(EventType.TASK_SCHEDULED, now, task_id, Name=durable_http.ACTIVITY_NAME, Input=request, **mark)
        )
        episode.activities.append((task_id, durable_http.ACTIVITY_NAME, request))
    elif kind == ActionType.CREATE_TIMER:
        fire_at = action.to_json()["fireAt"]
        episode.events.append(ev.event(EventType.TIMER_CREATED, now, task_id, FireAt=fire_at, **mark))
        if not action.is_cancelled:
            episode.timers.append((task_id, ev.parse_timestamp(fire_at)))
    elif kind in (ActionType.CALL_ENTITY, ActionType.SIGNAL_ENTITY):
        request_id = str(uuid.uuid4())
        entity_id = action.instance_id.lower()
        episode.events.append(
            ev.event(
                EventType.EVENT_SENT,
                now,
                task_id,
                Name=action.operation,
                InstanceId=entity_id,
                Input=json.dumps({"id": request_id}),
            )
        )
        episode.entity_requests.append(
            EntityRequest(
                entity_id, action.operation, action.input_, request_id if kind == ActionType.CALL_ENTITY else None
            )
        )
    else:
        raise NonDeterminismError(f"action {ActionType(kind).name} is not supported by the local host")


def _schedule_retry(task: TaskBase, task_id: int, episode: Episode, instance_id: str, now: float) -> None:
    """The SDK retries by opening a timer, then a re-run of the original action, each with a fresh id.

    It opens that timer after the last failed attempt too, and fails the task only once the timer has fired: the
    Durable Task Framework's retry loop (``RetryInterceptor``) also creates a timer there, but one that fires at
    once ("Dummy timer for back-compat", since DTFx 2.6.x), so the failure reaches the orchestrator straight after
    the last attempt instead of one more backoff interval later.
    """
    retryable = task.parent
    if task.action_repr.metadata == "rescheduled task":
        _schedule(retryable.actions, task_id, episode, instance_id, now, retry=True)
        return
    options = retryable.retry_options.to_json()
    if retryable.num_attempts >= options["maxNumberOfAttempts"]:
        delay = 0.0
    else:  # as the Durable extension computes it: first interval * backoffCoefficient^(failures - 1), capped
        delay = options["firstRetryIntervalInMilliseconds"] * options.get("backoffCoefficient", 1) ** (
            retryable.num_attempts - 1
        )
        delay = min(delay, options.get("maxRetryIntervalInMilliseconds", delay)) / 1000
    fire_at = now + delay
    episode.events.append(
        ev.event(EventType.TIMER_CREATED, now, task_id, FireAt=ev.timestamp(fire_at), **{RETRY_MARK: True})
    )
    episode.timers.append((task_id, fire_at))
