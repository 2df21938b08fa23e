"""The store refusing writes (the disk full) while an activity and an agent call are in flight: the host
answers 503, keeps their results, retries with growing pauses and carries on once writes work again,
without a restart and without calling either function a second time; an app route whose durable client
the store refuses answers 503 too.

The fault is real: the host process's file-size limit (RLIMIT_FSIZE) is lowered to one byte, so every
write SQLite makes fails as on a full disk, then raised again.
"""

from __future__ import annotations

import json
import re
import resource
import time
from pathlib import Path

import pytest

from devhost.process import DevHost
from tests.conftest import APPS, wait_until

API = "/runtime/webhooks/durabletask"
FAULT_SECONDS = 3.0  # how long the disk stays full once both results wait in memory: an outage, not a wait
FIRST_PAUSE, LONGEST_PAUSE = 0.1, 5.0  # the pauses between attempts, as docs/local-host.md gives them

pytestmark = pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="needs Linux prlimit")


def test_a_full_disk_delays_work_but_never_loses_or_repeats_it(tmp_path: Path) -> None:
    host = DevHost(
        "gate_app", APPS, tmp_path / "db.sqlite", tmp_path / "host.log", {"GATE_SCRATCH": str(tmp_path)}
    ).start()
    assert host.process is not None
    try:
        code, started = host.request("POST", f"{API}/orchestrators/through_gate")
        assert code == 202
        runs = [tmp_path / "runs-mail", tmp_path / "runs-agent-a1"]
        wait_until(lambda: all(r.exists() for r in runs), f"both functions to run:\n{host.log()[-2000:]}")

        limit = resource.prlimit(host.process.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(host.process.pid, resource.RLIMIT_FSIZE, (1, limit[1]))  # every write now fails
        try:
            (tmp_path / "gate-open").touch()  # both functions return while the store cannot be written
            code, refused = host.request("POST", f"{API}/orchestrators/through_gate")
            assert code == 503 and "nothing was changed" in refused["error"], refused
            returned = [tmp_path / "returned-mail", tmp_path / "returned-agent-a1"]
            wait_until(lambda: all(r.exists() for r in returned), "both functions to return")
            time.sleep(FAULT_SECONDS)
            assert host.status(started["id"])["runtimeStatus"] == "Running"  # reads still work
        finally:
            resource.prlimit(host.process.pid, resource.RLIMIT_FSIZE, limit)

        status = host.wait_for(started["id"], timeout=30)
        assert status["output"] == ["mail done", "agent-a1 done"]
        assert [r.read_text() for r in runs] == ["run\n", "run\n"]  # neither function ran twice
        recoveries = re.findall(r"the store works again, after (\d+) failed attempt\(s\) over ([\d.]+) s", host.log())
        assert recoveries, host.log()[-2000:]
        for failures, seconds in recoveries:  # growing pauses, not a tight loop: each failure was followed by its pause
            pauses = sum(min(LONGEST_PAUSE, FIRST_PAUSE * 2 ** min(n, 16)) for n in range(int(failures)))
            assert float(seconds) + 0.05 >= pauses, (failures, seconds)  # the log rounds to 0.1 s
        code, _again = host.request("POST", f"{API}/orchestrators/through_gate")
        assert code == 202
    finally:
        host.kill()


def test_an_app_route_answers_503_not_500_while_the_store_refuses_writes(tmp_path: Path) -> None:
    host = DevHost(
        "protocol_app", APPS, tmp_path / "db.sqlite", tmp_path / "host.log", {"PROTOCOL_SCRATCH": str(tmp_path)}
    ).start()
    assert host.process is not None
    try:
        limit = resource.prlimit(host.process.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(host.process.pid, resource.RLIMIT_FSIZE, (1, limit[1]))  # every write now fails
        try:
            code, headers, raw = host.exchange(
                "POST", "/api/start/sequence", b"[]", {"Content-Type": "application/json"}
            )
            refused = json.loads(raw)
            assert code == 503 and "store is unavailable" in refused["error"], (code, raw)
            assert headers["Retry-After"].isdigit()
            assert host.request("GET", "/api/items/7")[0] == 200  # a route that needs no store still answers
        finally:
            resource.prlimit(host.process.pid, resource.RLIMIT_FSIZE, limit)
        code, started = host.request("POST", "/api/start/sequence", [])
        assert code == 202, started
        assert host.wait_for(started["id"])["runtimeStatus"] == "Completed"
    finally:
        host.kill()
