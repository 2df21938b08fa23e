"""What each dashboard endpoint returns, assembled from the store: typed, ready for ``to_json``."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from ..store.event_store import Instance, Store
from ..store.events import EventType
from . import queries
from .conversation import Exchange, Session, Usage, is_agent, read_session, split_entity_id
from .figures import AgentFigures
from .jsonview import duration_ms, iso, parse
from .links import orchestration_url, session_url
from .metrics import AgentMetrics, OrchestrationMetrics, agent_metrics, orchestration_metrics
from .timeline import Step, build_timeline


@dataclass(frozen=True)
class OrchestrationSummary:
    instance_id: str
    name: str
    status: str
    stage: str | None
    created_at: str | None
    updated_at: str | None
    completed_at: str | None
    duration_ms: float | None  # so far, for one still running
    parent_id: str | None
    url: str


@dataclass(frozen=True)
class Failure:
    message: str
    details: str | None


@dataclass(frozen=True)
class OrchestrationDetail(OrchestrationSummary):
    input: Any
    output: Any
    custom_status: Any
    failure: Failure | None
    timeline: list[Step]


@dataclass(frozen=True)
class SessionSummary:
    entity_id: str
    agent: str
    key: str
    updated_at: str | None
    calls: int
    errors: int
    tokens: Usage | None  # None: no call reported its tokens
    last_prompt: str | None
    orchestration_ids: list[str]
    url: str


@dataclass(frozen=True)
class SessionDetail(SessionSummary):
    schema_version: str | None
    exchanges: list[Exchange]


@dataclass(frozen=True)
class Metrics:
    agents: list[AgentMetrics]
    orchestrations: list[OrchestrationMetrics]


@dataclass(frozen=True)
class OrchestrationList:
    orchestrations: list[OrchestrationSummary]
    names: list[str]  # of every instance, not only the listed ones
    counts: dict[str, int]


@dataclass(frozen=True)
class SessionList:
    sessions: list[SessionSummary]
    agents: list[str]


def orchestration_list(
    store: Store, statuses: list[str] | None, name: str | None, prefix: str | None, limit: int
) -> OrchestrationList:
    found = store.instances(statuses=statuses, name=name, prefix=prefix, limit=limit)
    return OrchestrationList(
        [summarize(i) for i in found], queries.orchestration_names(store), queries.status_counts(store)
    )


def session_list(store: Store, names: queries.AgentNames, entity_name: str | None, limit: int) -> SessionList:
    return SessionList(
        [session_summary(s) for s in sessions(store, names, entity_name, limit)],
        sorted(names.display(n) for n in queries.agent_entity_names(store)),
    )


def summarize(instance: Instance) -> OrchestrationSummary:
    custom = parse(instance.custom_status)
    stage = (custom.get("stage") or custom.get("status")) if isinstance(custom, dict) else None
    return OrchestrationSummary(
        instance_id=instance.id,
        name=instance.name,
        status=instance.status,
        stage=stage if isinstance(stage, str) else None,
        created_at=iso(instance.created),
        updated_at=iso(instance.updated),
        completed_at=iso(instance.completed),
        duration_ms=duration_ms(instance.created, instance.completed or time.time()),
        parent_id=instance.parent_id,
        url=orchestration_url(instance.id),
    )


def orchestration_detail(store: Store, names: queries.AgentNames, instance_id: str) -> OrchestrationDetail | None:
    instance = store.instance(instance_id)
    if instance is None:
        return None
    history = store.history(instance.id)
    sent = (str(e.get("InstanceId", "")) for e in history if e["EventType"] == EventType.EVENT_SENT)
    entity_names = {split_entity_id(entity_id)[0] for entity_id in sent if is_agent(entity_id)}
    custom = parse(instance.custom_status)
    return OrchestrationDetail(
        **vars(summarize(instance)),
        input=parse(instance.input),
        output=None if instance.status == "Failed" else parse(instance.output),
        custom_status=custom,
        failure=_failure(instance, history),
        timeline=build_timeline(
            instance, history, names.lookup(entity_names), queries.queued_timers(store, instance.id)
        ),
    )


def session_summary(session: Session) -> SessionSummary:
    last = session.exchanges[-1] if session.exchanges else None
    prompt = next((i.get("text") for m in last.request for i in m.items if i["type"] == "text"), None) if last else None
    return SessionSummary(
        entity_id=session.entity_id,
        agent=session.agent,
        key=session.key,
        updated_at=session.updated_at,
        calls=len(session.exchanges),
        errors=sum(e.is_error for e in session.exchanges),
        tokens=session.usage,
        last_prompt=prompt[:200] if isinstance(prompt, str) else None,
        orchestration_ids=list(dict.fromkeys(e.orchestration_id for e in session.exchanges if e.orchestration_id)),
        url=session_url(session.entity_id),
    )


def session_detail(store: Store, names: queries.AgentNames, entity_id: str) -> SessionDetail | None:
    row = queries.agent_entity(store, entity_id)
    if row is None:
        return None
    session = read_session(row["id"], row["state"], row["updated"], names.display(split_entity_id(row["id"])[0]))
    return SessionDetail(
        **vars(session_summary(session)), schema_version=session.schema_version, exchanges=session.exchanges
    )


def sessions(
    store: Store, names: queries.AgentNames, entity_name: str | None = None, limit: int | None = None
) -> list[Session]:
    return [
        read_session(r["id"], r["state"], r["updated"], names.display(split_entity_id(r["id"])[0]))
        for r in queries.agent_entities(store, entity_name, limit)
    ]


def metrics(store: Store, figures: AgentFigures) -> Metrics:
    return Metrics(agent_metrics(figures.all()), orchestration_metrics(queries.runs(store)))


def _failure(instance: Instance, history: list[dict[str, Any]]) -> Failure | None:
    """An orchestrator's failure: the status output is the message; the stack trace is in the history's
    ``ExecutionCompleted`` event, as the Durable extension records it."""
    if instance.status != "Failed":
        return None
    output = parse(instance.output)
    completed = [e for e in history if e["EventType"] == EventType.EXECUTION_COMPLETED]
    details = completed[-1].get("Details") if completed else None
    return Failure(output if isinstance(output, str) else json.dumps(output), details or None)
