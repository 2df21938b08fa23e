"""Stand-ins for the durable runtime, to step orchestrator generators deterministically in-process."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from unittest import mock

from agent_framework import Agent

import agent_app
from activities import ACTIVITIES
from reviewing.protocol import Decider, DecisionEvent, Role
from reviewing.signing import sign_event


@dataclass
class Done:
    """A task that already finished with `result`."""

    result: Any


@dataclass
class Failed:
    """A task that failed with `error` (drive() throws it into the orchestrator)."""

    error: Exception


@dataclass
class Timer:
    fire_at: datetime
    cancelled: bool = False
    is_completed: bool = False
    result: Any = None

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class ExternalEvent:
    name: str
    result: Any = None


@dataclass
class FakeContext:
    """Orchestration context whose activities run in-process and whose external event is scripted.

    `decisions` are what the ApprovalDecision events carry, one per wait, in order; None (or none left) means
    the timer wins. Timers (a deadline, a retry's wait) fire as soon as they are yielded; the clock stands still.
    """

    input: Any
    activities: dict[str, Callable[[dict[str, Any]], Any]]
    instance_id: str = "instance-1"
    current_utc_datetime: datetime = datetime(2026, 1, 1, 12, 0, 0)
    decisions: list[Any] = field(default_factory=list)
    custom_statuses: list[Any] = field(default_factory=list)
    activity_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    timers: list[Timer] = field(default_factory=list)
    awaited_events: list[str] = field(default_factory=list)
    execution: str = "first run"
    uuids: int = 0
    is_replaying: bool = False  # each fake run is one first episode

    def get_input(self) -> Any:
        return self.input

    def set_custom_status(self, status: Any) -> None:
        self.custom_statuses.append(status)

    @property
    def custom_status(self) -> Any:
        return self.custom_statuses[-1] if self.custom_statuses else None

    def call_activity(self, name: str, input_: dict[str, Any]) -> Done | Failed:
        """Run the activity now: its result, or its exception worded as the SDK raises it into the flow."""
        self.activity_calls.append((name, input_))
        try:
            return Done(self.activities[name](input_))
        except Exception as error:
            return Failed(Exception(f"{type(error).__name__}: {error} \n Traceback: ..."))

    def new_uuid(self) -> str:
        self.uuids += 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.instance_id}/{self.execution}/{self.uuids}"))

    def task_all(self, tasks: list[Done]) -> Done:
        return Done([task.result for task in tasks])

    def create_timer(self, fire_at: datetime) -> Timer:
        self.timers.append(Timer(fire_at))
        return self.timers[-1]

    def wait_for_external_event(self, name: str) -> ExternalEvent:
        self.awaited_events.append(name)
        return ExternalEvent(name)

    def task_any(self, tasks: list[Any]) -> Done:
        """An event that already arrived wins; a timer already due wins (nothing arrives in no time); else the
        next scripted decision arrives, or the timer fires when there is none."""
        event = next(t for t in tasks if isinstance(t, ExternalEvent))
        timer = next(t for t in tasks if isinstance(t, Timer))
        if event.result is not None:
            return Done(event)
        if timer.fire_at <= self.current_utc_datetime:
            return self._fired(timer)
        decision = self.decisions.pop(0) if self.decisions else None
        if decision is None:
            return self._fired(timer)
        event.result = decision
        return Done(event)

    @staticmethod
    def _fired(timer: Timer) -> Done:
        timer.is_completed = True
        return Done(timer)

    @property
    def deadlines(self) -> list[Timer]:
        """The timers of the flow's deadlines (not the ones already due when created)."""
        return [timer for timer in self.timers if timer.fire_at > self.current_utc_datetime]


RITA = Decider(role=Role.REVIEWER, address="rita@example.com")


def signed(decision: dict[str, Any], round_number: int, by: Decider = RITA, decision_id: str = "d") -> dict[str, Any]:
    """The ApprovalDecision a review link or the decision route raises on instance-1: signed with the app's key."""
    event = DecisionEvent(**decision, round=round_number, decided_by=by, decision_id=f"{decision_id}{round_number}")
    return sign_event("instance-1", event).model_dump(mode="json")


REGISTERED = {activity.__name__: activity for activity in ACTIVITIES}
"""The app's activities as the host calls them: request and result as the orchestration history records them."""


def run_activity(name: str, request: dict[str, Any]) -> dict[str, Any]:
    """Run the activity `name` as the host does: a request that does not validate, like any permanent failure,
    comes back as `{"permanent_failure": why}`; a transient failure raises."""
    return REGISTERED[name](request)


def flow_context(flow_input: Any, **kwargs: Any) -> FakeContext:
    """A context for one run of a flow whose activities are the app's own, as registered."""
    return FakeContext(flow_input, dict(REGISTERED), **kwargs)


class InProcessAgents:
    """Agent lookup backed by real (offline) agents run in-process; records every prompt."""

    def __init__(self, agents: list[Agent]) -> None:
        self.agents = {agent.name: agent for agent in agents}
        self.prompts: list[tuple[str, str]] = []

    def __call__(self, name: str) -> _Proxy:
        return _Proxy(self, self.agents[name])


@dataclass
class _Proxy:
    owner: InProcessAgents
    agent: Agent

    @property
    def name(self) -> str | None:
        return self.agent.name

    def create_session(self) -> Any:
        return self.agent.create_session()

    def run(self, messages: str, *, session: Any, options: dict[str, Any]) -> Done:
        self.owner.prompts.append((str(self.agent.name), messages))
        return Done(asyncio.run(self.agent.run(messages, session=session, options=options)))


def run_flow(flow: Any, context: FakeContext, agents: InProcessAgents) -> Any:
    """Step a flow (an orchestration trigger decorated on `agent_app.app`) to its end in `context`, `app.get_agent`
    giving it the offline agents run in-process."""
    with mock.patch.object(agent_app.app, "get_agent", lambda _context, name: agents(name)):
        return drive(orchestrator_function(flow)(context))


def orchestrator_function(trigger: Any) -> Callable[[Any], Generator[Any, Any, Any]]:
    """The generator function behind a decorated orchestration trigger (the SDK keeps it on the handler it
    registers)."""
    return trigger._function.get_user_function().orchestrator_function  # type: ignore[no-any-return]


def drive(generator: Generator[Any, Any, Any]) -> Any:
    """Step an orchestrator: send each yielded task's result back (or throw its error in) until it returns."""
    task = generator.send(None)
    try:
        while True:
            task = generator.throw(task.error) if isinstance(task, Failed) else generator.send(task.result)
    except StopIteration as stop:
        return stop.value
