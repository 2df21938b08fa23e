"""Each agent session's figures for the metrics, read again only when its entity changed.

Metrics cover every agent session: tens of thousands of conversations after a busy day. Parsing them
all on every refresh would take seconds; after the first read, only the sessions updated since cost.
"""

from __future__ import annotations

import json
import threading

from ..store.event_store import Store
from .conversation import read_session, split_entity_id
from .metrics import SessionFigures
from .queries import AGENTS_WHERE, AgentNames

_CHUNK = 500  # sessions read per query


class AgentFigures:
    def __init__(self, store: Store, names: AgentNames) -> None:
        self._store = store
        self._names = names
        self._known: dict[str, tuple[float, SessionFigures]] = {}
        self._lock = threading.Lock()  # one refresh at a time; readers after it get its result

    def all(self) -> list[SessionFigures]:
        with self._lock:
            rows = self._store.query(f"SELECT id, updated FROM entities WHERE {AGENTS_WHERE}")
            current = {r["id"]: r["updated"] for r in rows}
            stale = [i for i, updated in current.items() if self._known.get(i, (None,))[0] != updated]
            for start in range(0, len(stale), _CHUNK):
                rows = self._store.query(
                    "SELECT id, state, updated FROM entities WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps(stale[start : start + _CHUNK]),),
                )
                for r in rows:
                    agent = self._names.display(split_entity_id(r["id"])[0])
                    session = read_session(r["id"], r["state"], r["updated"], agent)
                    self._known[r["id"]] = (r["updated"], SessionFigures.of(session))
            for gone in self._known.keys() - current.keys():
                del self._known[gone]
            return [figures for _, figures in self._known.values()]
