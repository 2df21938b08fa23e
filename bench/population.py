"""Fill a store with many copies of the runs already in it, to see the host and its dashboard at scale.

Each copy keeps its original's status, input, output, custom status, history and agent sessions (agent
entities are copied under keys of their own), shifted back in time, so lists, timelines and metrics
read data shaped exactly like real runs.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

SHIFT_SECONDS = 60.0  # each generation of copies is that much older


def multiply(database: Path, total: int) -> int:
    """Copy the store's instances until it holds at least ``total``; the number it holds then."""
    with sqlite3.connect(database) as conn:
        originals = conn.execute("SELECT COUNT(*) FROM instances").fetchone()[0]
        if not originals:
            raise ValueError(f"{database} holds no instance to copy")
        conn.execute("CREATE TEMP TABLE copies (n INTEGER PRIMARY KEY)")
        conn.executemany("INSERT INTO copies VALUES (?)", [(n,) for n in range(1, math.ceil(total / originals))])
        conn.execute(
            "INSERT INTO instances (id, name, status, input, output, custom_status, created, updated, completed,"
            " parent_id, parent_task_id, version)"
            " SELECT i.id || '-' || c.n, i.name, i.status, i.input, i.output, i.custom_status,"
            " i.created - c.n * ?1, i.updated - c.n * ?1, i.completed - c.n * ?1,"
            " i.parent_id || '-' || c.n, i.parent_task_id, i.version FROM instances i, copies c",
            (SHIFT_SECONDS,),
        )
        conn.execute(
            "INSERT INTO history (instance_id, seq, event) SELECT h.instance_id || '-' || c.n, h.seq, h.event"
            " FROM history h, copies c"
        )
        conn.execute(
            "INSERT INTO entities (id, name, key, state, updated)"
            " SELECT e.id || '-' || c.n, e.name, e.key || '-' || c.n, e.state, e.updated - c.n * ?1"
            " FROM entities e, copies c",
            (SHIFT_SECONDS,),
        )
        return conn.execute("SELECT COUNT(*) FROM instances").fetchone()[0]
