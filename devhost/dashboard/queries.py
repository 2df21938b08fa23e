"""The store reads the dashboard needs beyond the engine's own, as plain SQL over ``Store.query``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..store.event_store import Store
from .conversation import AGENT_PREFIX, agent_name

#: The SQL condition that picks agent entities out of all entities.
AGENTS_WHERE = f"name LIKE '{AGENT_PREFIX}%'"


@dataclass(frozen=True)
class Run:
    """What metrics need of an orchestration instance (no input or output text)."""

    name: str
    status: str
    created: float
    completed: float | None


def orchestration_names(store: Store) -> list[str]:
    return [r["name"] for r in store.query("SELECT DISTINCT name FROM instances ORDER BY name")]


def status_counts(store: Store) -> dict[str, int]:
    return {r["status"]: r["n"] for r in store.query("SELECT status, COUNT(*) AS n FROM instances GROUP BY status")}


def runs(store: Store) -> list[Run]:
    rows = store.query("SELECT name, status, created, completed FROM instances")
    return [Run(r["name"], r["status"], r["created"], r["completed"]) for r in rows]


def queued_timers(store: Store, instance_id: str) -> set[int]:
    """Timers of the instance that are still waiting to fire (cancelled ones are removed from the queue)."""
    rows = store.query("SELECT timer_id FROM inbox WHERE instance_id = ? AND timer_id IS NOT NULL", (instance_id,))
    return {r["timer_id"] for r in rows}


def agent_entities(store: Store, entity_name: str | None = None, limit: int | None = None) -> list[sqlite3.Row]:
    """Agent entity rows (id, name, state, updated), most recently used first; all of them without a limit."""
    limit = -1 if limit is None else limit  # SQLite reads a negative LIMIT as none
    name = entity_name or ""
    return store.query(
        f"SELECT id, name, state, updated FROM entities WHERE {AGENTS_WHERE} AND (? = '' OR name = ?)"
        " ORDER BY updated DESC LIMIT ?",
        (name, name, limit),
    )


def agent_entity(store: Store, entity_id: str) -> sqlite3.Row | None:
    rows = store.query(f"SELECT id, name, state, updated FROM entities WHERE {AGENTS_WHERE} AND id = ?", (entity_id,))
    return rows[0] if rows else None


def agent_entity_names(store: Store) -> list[str]:
    return [r["name"] for r in store.query(f"SELECT DISTINCT name FROM entities WHERE {AGENTS_WHERE} ORDER BY name")]


class AgentNames:
    """Agent display names ("TechnicalResearchAgent") by entity name ("dafx-technicalresearchagent").

    Entity ids are lower case. The app registers each agent's entity under the agent's own spelling
    (``registered``, from the function index); for entities of agents it no longer registers, the
    spelling is read from their replies (``authorName``), once.
    """

    def __init__(self, store: Store, registered: Mapping[str, str]) -> None:
        self._store = store
        self._known: dict[str, str] = {
            lower: name.removeprefix(AGENT_PREFIX)
            for lower, name in registered.items()
            if lower.startswith(AGENT_PREFIX)
        }

    def lookup(self, entity_names: Iterable[str]) -> dict[str, str]:
        for name in set(entity_names) - self._known.keys():
            rows = self._store.query("SELECT state FROM entities WHERE name = ? ORDER BY updated DESC LIMIT 5", (name,))
            found = next((n for n in (agent_name(r["state"]) for r in rows) if n), None)
            if found:
                self._known[name] = found
        return dict(self._known)

    def display(self, entity_name: str) -> str:
        return self.lookup([entity_name]).get(entity_name, entity_name.removeprefix(AGENT_PREFIX))
