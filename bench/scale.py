"""The host at scale: a store filled with copies of real runs, and requests timed while a slow one runs.

Each copy keeps its original's status, input, output, custom status, history and agent sessions (agent
entities are copied under keys of their own), shifted back in time, so lists, timelines and metrics
read data shaped exactly like real runs.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from pathlib import Path

from devhost.process import DevHost

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


def timed_get(host: DevHost, path: str) -> float:
    """Seconds one GET took; it must answer 200."""
    started = time.perf_counter()
    code, body = host.request("GET", path)
    assert code == 200, body
    return time.perf_counter() - started


def meanwhile(host: DevHost, slow: str, probe: str, every: float = 0.02) -> tuple[float, list[float]]:
    """Seconds the ``slow`` GET took, and the seconds of each ``probe`` GET sent while it ran."""
    probes: list[float] = []
    done = threading.Event()

    def keep_probing() -> None:
        while not done.is_set():
            probes.append(timed_get(host, probe))
            time.sleep(every)

    prober = threading.Thread(target=keep_probing)
    prober.start()
    try:
        return timed_get(host, slow), probes
    finally:
        done.set()
        prober.join()
