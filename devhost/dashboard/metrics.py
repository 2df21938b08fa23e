"""Aggregates over agent calls and orchestration runs: counts, median and p95, token totals."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .conversation import Session, Usage, total_usage
from .queries import Run


@dataclass(frozen=True)
class Spread:
    """Median and 95th percentile of a set of durations in milliseconds (None when there are none)."""

    median: float | None
    p95: float | None

    @staticmethod
    def of(values: Iterable[float]) -> Spread:
        ordered = sorted(values)
        return Spread(percentile(ordered, 0.5), percentile(ordered, 0.95))


@dataclass(frozen=True)
class AgentMetrics:
    agent: str
    sessions: int
    calls: int
    errors: int
    response_time_ms: Spread
    tokens: Usage | None  # None: no call reported its tokens


@dataclass(frozen=True)
class OrchestrationMetrics:
    name: str
    count: int
    by_status: dict[str, int]
    duration_ms: Spread


def percentile(ordered: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default) over an ascending list."""
    if not ordered:
        return None
    rank = q * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 1)


@dataclass(frozen=True)
class SessionFigures:
    """What metrics need of one agent session: small enough to keep for tens of thousands of them."""

    agent: str
    calls: int  # answered calls
    errors: int
    response_times_ms: tuple[float, ...]
    tokens: Usage | None

    @staticmethod
    def of(session: Session) -> SessionFigures:
        answered = [e for e in session.exchanges if e.response is not None]
        return SessionFigures(
            agent=session.agent,
            calls=len(answered),
            errors=sum(e.is_error for e in answered),
            response_times_ms=tuple(e.response_time_ms for e in answered if e.response_time_ms is not None),
            tokens=session.usage,
        )


def agent_metrics(sessions: Iterable[SessionFigures]) -> list[AgentMetrics]:
    by_agent: dict[str, list[SessionFigures]] = defaultdict(list)
    for session in sessions:
        by_agent[session.agent].append(session)
    return [
        AgentMetrics(
            agent=agent,
            sessions=len(group),
            calls=sum(s.calls for s in group),
            errors=sum(s.errors for s in group),
            response_time_ms=Spread.of(t for s in group for t in s.response_times_ms),
            tokens=total_usage(s.tokens for s in group),
        )
        for agent, group in sorted(by_agent.items())
    ]


def orchestration_metrics(runs: Iterable[Run]) -> list[OrchestrationMetrics]:
    """Durations count ended runs only; a running one has no duration yet."""
    by_name: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        by_name[run.name].append(run)
    return [
        OrchestrationMetrics(
            name=name,
            count=len(group),
            by_status=dict(Counter(i.status for i in group)),
            duration_ms=Spread.of((i.completed - i.created) * 1000 for i in group if i.completed is not None),
        )
        for name, group in sorted(by_name.items())
    ]
