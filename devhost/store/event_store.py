"""SQLite event store: instances, their history, and the queues of work between them.

Every change the engine makes to durable state goes through one ``transaction()``: an
orchestration episode's new history, the work it schedules and its status change commit
together, so a crash at any instant leaves either the whole episode or none of it.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT,
    output TEXT,
    custom_status TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    completed REAL,
    parent_id TEXT,
    parent_task_id INTEGER,
    version TEXT
);
CREATE INDEX IF NOT EXISTS instances_status ON instances(status, created);
CREATE TABLE IF NOT EXISTS history (
    instance_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (instance_id, seq)
);
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    event TEXT NOT NULL,
    visible_at REAL NOT NULL,
    timer_id INTEGER
);
CREATE INDEX IF NOT EXISTS inbox_visible ON inbox(visible_at);
CREATE INDEX IF NOT EXISTS inbox_instance ON inbox(instance_id);
CREATE TABLE IF NOT EXISTS activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    task_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    input TEXT,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS entity_ops (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entity_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    input TEXT,
    caller_id TEXT,
    request_id TEXT,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS entity_ops_entity ON entity_ops(entity_id, id);
CREATE TABLE IF NOT EXISTS entities (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT,
    updated REAL NOT NULL
);
"""

RUNTIME_STATUSES = ("Pending", "Running", "Suspended", "Completed", "Failed", "Terminated")
TERMINAL = ("Completed", "Failed", "Terminated")


@dataclass(frozen=True)
class Instance:
    """One orchestration instance as the status API reports it."""

    id: str
    name: str
    status: str
    input: str | None
    output: str | None
    custom_status: str | None
    created: float
    updated: float
    completed: float | None
    parent_id: str | None
    parent_task_id: int | None
    version: str | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL


@dataclass(frozen=True)
class InboxMessage:
    id: int
    instance_id: str
    event: dict[str, Any]


@dataclass(frozen=True)
class ActivityItem:
    id: int
    instance_id: str
    task_id: int
    name: str
    input: str | None


@dataclass(frozen=True)
class EntityOp:
    id: int
    entity_id: str
    operation: str
    input: str | None
    caller_id: str | None
    request_id: str | None


class StoreError(Exception):
    """The database cannot be read or written just now (disk full, read-only file, I/O error).

    Nothing of the failed unit of work was written; the caller keeps its results and tries again later.
    """


class Store:
    """One writing connection behind a lock, and reading connections beside it.

    WAL lets reads run while the writer commits, so a long dashboard query never holds up the engine.
    A write that fails rolls back entirely and the writing connection is opened afresh for the next
    one, so a disk that filled up or a file that turned read-only works again once fixed, without a
    restart.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._conn = self._connect()
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(SCHEMA)
        _migrate(self._conn)
        self._broken = False
        self._refusals = 0

    @property
    def refusals(self) -> int:
        """How many reads and writes the database refused since the store opened.

        A caller compares it before and after a piece of work to learn whether the store failed meanwhile.
        """
        return self._refusals

    def _refused(self, verb: str, exc: sqlite3.Error) -> StoreError:
        self._refusals += 1
        return StoreError(f"cannot {verb} {self.path}: {exc}")

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=5)
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()
        while not self._readers.empty():
            self._readers.get_nowait().close()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """All writes of one unit of work, committed atomically or not at all (then StoreError)."""
        with self._lock:
            try:
                if self._broken:
                    self._conn.close()
                    self._conn = self._connect()
                    self._broken = False
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                self._broken = True
                raise self._refused("write", exc) from exc
            try:
                yield Tx(self._conn)
                self._conn.execute("COMMIT")
            except BaseException as exc:
                self._rollback()
                if isinstance(exc, sqlite3.OperationalError):
                    self._broken = True
                    raise self._refused("write", exc) from exc
                raise

    def _rollback(self) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            self._broken = True  # the connection is reopened before the next transaction

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Rows of one read, on a reading connection of its own (never blocked by the writer)."""
        try:
            conn = self._readers.get_nowait()
        except queue.Empty:
            conn = self._connect()
            conn.execute("PRAGMA query_only=1")
        try:
            cur = conn.execute(sql, args)
            cur.row_factory = sqlite3.Row
            rows = cur.fetchall()
        except sqlite3.OperationalError as exc:
            conn.close()
            raise self._refused("read", exc) from exc
        self._readers.put(conn)
        return rows

    # -- reads -------------------------------------------------------------------------

    def instance(self, instance_id: str) -> Instance | None:
        rows = self.query("SELECT * FROM instances WHERE id = ?", (instance_id,))
        return _instance(rows[0]) if rows else None

    def instances(
        self,
        statuses: list[str] | None = None,
        name: str | None = None,
        prefix: str | None = None,
        created_from: float | None = None,
        created_to: float | None = None,
        limit: int = 1000,
    ) -> list[Instance]:
        sql, args = "SELECT * FROM instances WHERE 1=1", []
        if statuses:
            sql += f" AND status IN ({','.join('?' * len(statuses))})"
            args += statuses
        if name:
            sql += " AND name = ?"
            args.append(name)
        if prefix:
            sql += " AND id >= ? AND id < ?"
            args += [prefix, prefix + "\uffff"]
        if created_from is not None:
            sql += " AND created >= ?"
            args.append(created_from)
        if created_to is not None:
            sql += " AND created <= ?"
            args.append(created_to)
        sql += " ORDER BY created DESC LIMIT ?"
        args.append(limit)
        return [_instance(r) for r in self.query(sql, tuple(args))]

    def history(self, instance_id: str) -> list[dict[str, Any]]:
        rows = self.query("SELECT event FROM history WHERE instance_id = ? ORDER BY seq", (instance_id,))
        return [json.loads(r["event"]) for r in rows]

    def ready_instances(self, now: float, limit: int, exclude: Collection[str] = ()) -> list[str]:
        """Instances with a visible message that are neither suspended nor ended (nor in ``exclude``)."""
        rows = self.query(
            "SELECT DISTINCT inbox.instance_id FROM inbox JOIN instances ON instances.id = inbox.instance_id "
            "WHERE inbox.visible_at <= ? AND instances.status IN ('Pending', 'Running') "
            "AND inbox.instance_id NOT IN (SELECT value FROM json_each(?)) LIMIT ?",
            (now, json.dumps(list(exclude)), limit),
        )
        return [r[0] for r in rows]

    def inbox(self, instance_id: str, now: float) -> list[InboxMessage]:
        rows = self.query(
            "SELECT id, instance_id, event FROM inbox WHERE instance_id = ? AND visible_at <= ? ORDER BY id",
            (instance_id, now),
        )
        return [InboxMessage(r[0], r[1], json.loads(r[2])) for r in rows]

    def next_visible_at(self, exclude: Collection[str] = ()) -> float | None:
        rows = self.query(
            "SELECT MIN(inbox.visible_at) FROM inbox JOIN instances ON instances.id = inbox.instance_id "
            "WHERE instances.status IN ('Pending', 'Running') "
            "AND inbox.instance_id NOT IN (SELECT value FROM json_each(?))",
            (json.dumps(list(exclude)),),
        )
        return rows[0][0]

    def pending_activities(self, exclude: set[int], limit: int) -> list[ActivityItem]:
        rows = self.query("SELECT * FROM activities ORDER BY id LIMIT ?", (limit + len(exclude),))
        return [
            ActivityItem(r["id"], r["instance_id"], r["task_id"], r["name"], r["input"])
            for r in rows
            if r["id"] not in exclude
        ][:limit]

    def ready_entities(self, exclude: set[str]) -> list[str]:
        rows = self.query("SELECT DISTINCT entity_id FROM entity_ops")
        return [r[0] for r in rows if r[0] not in exclude]

    def entity_ops(self, entity_id: str, limit: int) -> list[EntityOp]:
        rows = self.query("SELECT * FROM entity_ops WHERE entity_id = ? ORDER BY id LIMIT ?", (entity_id, limit))
        return [
            EntityOp(r["id"], r["entity_id"], r["operation"], r["input"], r["caller_id"], r["request_id"]) for r in rows
        ]

    def entity(self, entity_id: str) -> sqlite3.Row | None:
        rows = self.query("SELECT * FROM entities WHERE id = ?", (entity_id,))
        return rows[0] if rows else None


class Tx:
    """Write operations available inside ``Store.transaction()``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def create_instance(
        self,
        instance_id: str,
        name: str,
        input_json: str | None,
        parent_id: str | None = None,
        parent_task_id: int | None = None,
        version: str | None = None,
    ) -> None:
        now = time.time()
        self._conn.execute("DELETE FROM history WHERE instance_id = ?", (instance_id,))
        self._conn.execute("DELETE FROM inbox WHERE instance_id = ?", (instance_id,))
        self._conn.execute(
            "INSERT OR REPLACE INTO instances"
            " (id, name, status, input, created, updated, parent_id, parent_task_id, version)"
            " VALUES (?, ?, 'Pending', ?, ?, ?, ?, ?, ?)",
            (instance_id, name, input_json, now, now, parent_id, parent_task_id, version),
        )

    def status(self, instance_id: str) -> str | None:
        row = self._conn.execute("SELECT status FROM instances WHERE id = ?", (instance_id,)).fetchone()
        return row[0] if row else None

    def set_status(self, instance_id: str, status: str, output: str | None = None) -> None:
        """A change made from outside the orchestrator (terminate, suspend, resume): its custom status stays."""
        now = time.time()
        self._conn.execute(
            "UPDATE instances SET status = ?, output = COALESCE(?, output), updated = ?, completed = ? WHERE id = ?",
            (status, output, now, now if status in TERMINAL else None, instance_id),
        )

    def record_outcome(self, instance_id: str, status: str, output: str | None, custom_status: str | None) -> None:
        """What an episode of the orchestrator decided: its status, output and custom status together.

        An episode that set no custom status leaves the last one in place, as the extension does.
        """
        now = time.time()
        self._conn.execute(
            "UPDATE instances SET status = ?, output = ?, custom_status = COALESCE(?, custom_status), updated = ?,"
            " completed = ? WHERE id = ?",
            (status, output, custom_status, now, now if status in TERMINAL else None, instance_id),
        )

    def history(self, instance_id: str) -> list[dict[str, Any]]:
        rows = self._conn.execute("SELECT event FROM history WHERE instance_id = ? ORDER BY seq", (instance_id,))
        return [json.loads(event) for (event,) in rows]

    def truncate_history(self, instance_id: str, length: int) -> None:
        """Keep the first ``length`` events of the instance's history."""
        self._conn.execute("DELETE FROM history WHERE instance_id = ? AND seq >= ?", (instance_id, length))

    def reopen(self, instance_id: str) -> None:
        """An ended instance runs again (a rewind): no output, no end time; its custom status stays."""
        self._conn.execute(
            "UPDATE instances SET status = 'Running', output = NULL, completed = NULL, updated = ? WHERE id = ?",
            (time.time(), instance_id),
        )

    def reset_for_continue_as_new(self, instance_id: str, input_json: str | None, custom_status: str | None) -> None:
        self._conn.execute("DELETE FROM history WHERE instance_id = ?", (instance_id,))
        self.record_outcome(instance_id, "Running", None, custom_status)
        self._conn.execute("UPDATE instances SET input = ? WHERE id = ?", (input_json, instance_id))

    def append_history(self, instance_id: str, events: list[dict[str, Any]]) -> None:
        (first_seq,) = self._conn.execute(
            "SELECT COALESCE(MAX(seq) + 1, 0) FROM history WHERE instance_id = ?", (instance_id,)
        ).fetchone()
        self._conn.executemany(
            "INSERT INTO history (instance_id, seq, event) VALUES (?, ?, ?)",
            [(instance_id, first_seq + i, json.dumps(e)) for i, e in enumerate(events)],
        )

    def send(
        self, instance_id: str, event: dict[str, Any], visible_at: float = 0.0, timer_id: int | None = None
    ) -> None:
        self._conn.execute(
            "INSERT INTO inbox (instance_id, event, visible_at, timer_id) VALUES (?, ?, ?, ?)",
            (instance_id, json.dumps(event), visible_at, timer_id),
        )

    def cancel_timer(self, instance_id: str, timer_id: int) -> None:
        self._conn.execute("DELETE FROM inbox WHERE instance_id = ? AND timer_id = ?", (instance_id, timer_id))

    def consume(self, message_ids: list[int]) -> None:
        self._conn.executemany("DELETE FROM inbox WHERE id = ?", [(i,) for i in message_ids])

    def drop_instance_work(self, instance_id: str) -> None:
        """Forget the queued work of an instance that has ended."""
        self._conn.execute("DELETE FROM inbox WHERE instance_id = ?", (instance_id,))
        self._conn.execute("DELETE FROM activities WHERE instance_id = ?", (instance_id,))

    def schedule_activity(self, instance_id: str, task_id: int, name: str, input_json: str | None) -> None:
        self._conn.execute(
            "INSERT INTO activities (instance_id, task_id, name, input, created) VALUES (?, ?, ?, ?, ?)",
            (instance_id, task_id, name, input_json, time.time()),
        )

    def finish_activity(self, activity_id: int) -> bool:
        """Remove a finished activity; False when it was already gone (instance ended meanwhile)."""
        return self._conn.execute("DELETE FROM activities WHERE id = ?", (activity_id,)).rowcount == 1

    def queue_entity_op(
        self,
        entity_id: str,
        operation: str,
        input_json: str | None,
        caller_id: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self._conn.execute(
            "INSERT INTO entity_ops (entity_id, operation, input, caller_id, request_id, created)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (entity_id, operation, input_json, caller_id, request_id, time.time()),
        )

    def finish_entity_ops(self, op_ids: list[int]) -> None:
        self._conn.executemany("DELETE FROM entity_ops WHERE id = ?", [(i,) for i in op_ids])

    def save_entity(self, entity_id: str, name: str, key: str, state: str | None) -> None:
        if state is None:
            self._conn.execute("DELETE FROM entities WHERE id = ?", (entity_id,))
            return
        self._conn.execute(
            "INSERT INTO entities (id, name, key, state, updated) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET state = excluded.state, updated = excluded.updated",
            (entity_id, name, key, state, time.time()),
        )

    def purge_matching(self, statuses: list[str], created_from: float, created_to: float) -> int:
        rows = self._conn.execute(
            f"SELECT id FROM instances WHERE status IN ({','.join('?' * len(statuses))})"
            " AND created >= ? AND created <= ?",
            (*statuses, created_from, created_to),
        ).fetchall()
        return sum(self.purge(instance_id) for (instance_id,) in rows)

    def purge(self, instance_id: str) -> int:
        self.drop_instance_work(instance_id)
        self._conn.execute("DELETE FROM history WHERE instance_id = ?", (instance_id,))
        return self._conn.execute("DELETE FROM instances WHERE id = ?", (instance_id,)).rowcount


def _instance(row: sqlite3.Row) -> Instance:
    return Instance(
        id=row["id"],
        name=row["name"],
        status=row["status"],
        input=row["input"],
        output=row["output"],
        custom_status=row["custom_status"],
        created=row["created"],
        updated=row["updated"],
        completed=row["completed"],
        parent_id=row["parent_id"],
        parent_task_id=row["parent_task_id"],
        version=row["version"],
    )


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a database written by an older local host up to this schema."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(instances)")}
    if "version" not in columns:
        conn.execute("ALTER TABLE instances ADD COLUMN version TEXT")
