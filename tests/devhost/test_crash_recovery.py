"""SIGKILL the host at awkward moments, restart it on the same database, and check nothing is lost or repeated."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from pathlib import Path

from devhost.process import DevHost
from tests.conftest import APPS


def timer_due_at(host: DevHost, instance_id: str) -> datetime | None:
    """When the instance's durable timer is due, once its creation is in the history."""
    events = host.status(instance_id, history=True)["historyEvents"]
    created = [e["FireAt"] for e in events if e["EventType"] == "TimerCreated"]
    return datetime.fromisoformat(created[0]) if created else None


def restart(host: DevHost) -> DevHost:
    host.kill()
    return host.successor().start()


def test_finished_activity_is_not_rerun_and_a_timer_due_while_down_fires(tmp_path: Path) -> None:
    side_effect = tmp_path / "effects.txt"
    host = DevHost("protocol_app", APPS, tmp_path / "db.sqlite", tmp_path / "host.log").start()
    code, body = host.request("POST", "/api/start/side_effects", str(side_effect))
    assert code == 202
    instance_id = body["id"]
    # The first activity's completion is committed once the episode it woke has created the 2 s timer.
    host.wait_for(instance_id, ("Running",), predicate=lambda _: timer_due_at(host, instance_id) is not None)
    due = timer_due_at(host, instance_id)
    assert due is not None
    host.kill()
    while datetime.now(UTC) <= due:  # the timer comes due while nothing runs
        time.sleep(0.05)
    host = host.successor().start()
    try:
        status = host.wait_for(instance_id, timeout=15)
        assert status["runtimeStatus"] == "Completed"
        assert status["output"] == [1, 2]
        assert side_effect.read_text().splitlines() == ["ran", "ran"]
    finally:
        host.stop()


def test_kill_at_random_instants_loses_no_orchestration(tmp_path: Path) -> None:
    host = DevHost("protocol_app", APPS, tmp_path / "db.sqlite", tmp_path / "host.log").start()
    ids = []
    for n in range(40):
        code, body = host.request("POST", "/api/start/fan_out" if n % 2 else "/api/start/sequence", 5)
        assert code == 202
        ids.append((body["id"], 20 if n % 2 else 160))
    rng = random.Random(7)
    for _ in range(4):
        time.sleep(rng.uniform(0.0, 0.15))
        host = restart(host)
    try:
        for instance_id, expected in ids:
            status = host.wait_for(instance_id, timeout=30)
            assert (status["runtimeStatus"], status["output"]) == ("Completed", expected), instance_id
    finally:
        host.stop()


def test_ctrl_c_stops_cleanly_and_waiting_work_resumes_after(tmp_path: Path) -> None:
    host = DevHost("protocol_app", APPS, tmp_path / "db.sqlite", tmp_path / "host.log").start()
    code, body = host.request("POST", "/api/start/race", 600)
    assert code == 202
    host.wait_for(body["id"], ("Running",), predicate=lambda s: s["customStatus"] is not None)
    host.stop()  # SIGINT, as Ctrl-C sends
    assert host.process is not None and host.process.returncode == 0
    assert "stopped" in host.log()
    host = host.successor().start()
    try:
        host.request("POST", f"/runtime/webhooks/durabletask/instances/{body['id']}/raiseEvent/Go", "after")
        assert host.wait_for(body["id"])["output"] == {"winner": "event", "value": "after"}
    finally:
        host.stop()
