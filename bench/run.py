"""Benchmarks of the local host: ``python -m bench.run [throughput|fanout|waiting|replay|dashboard|all]``.

Each scenario runs the real host as a child process on a fresh database and prints its figures.
Work is seeded straight into the store before the host starts, so the figures measure the engine
(replay, dispatch, commits), not an HTTP client's request rate.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.scale import meanwhile, multiply, timed_get
from devhost.process import REPO, DevHost
from devhost.store import events as ev
from devhost.store.event_store import Store

BENCH = Path(__file__).resolve().parent


def seed(database: Path, name: str, inputs: list[object], prefix: str) -> list[str]:
    """Queue instances exactly as a start request would, in one transaction."""
    store = Store(str(database))
    ids = [f"{prefix}-{i:06d}" for i in range(len(inputs))]
    with store.transaction() as tx:
        for instance_id, value in zip(ids, inputs, strict=False):
            payload = json.dumps(value)
            tx.create_instance(instance_id, name, payload)
            tx.send(instance_id, ev.execution_started(name, payload, time.time()))
    store.close()
    return ids


def count(database: Path, sql: str) -> int:
    with sqlite3.connect(database) as conn:
        return conn.execute(sql).fetchone()[0]


def wait_until(predicate: Callable[[], bool], timeout: float, every: float = 0.05) -> float:
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("benchmark did not finish in time")
        time.sleep(every)
    return time.perf_counter() - started


def host_for(folder: Path, app: str, root: Path, env: dict[str, str] | None = None) -> DevHost:
    return DevHost(app, root, folder / "bench.db", folder / "host.log", {"DEVHOST_LOG_LEVEL": "WARNING", **(env or {})})


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def throughput(folder: Path, instances: int) -> None:
    host = host_for(folder, "bench_app", BENCH)
    seed(host.database, "five_steps", [None] * instances, "tp")
    host.start()
    try:
        done = "SELECT COUNT(*) FROM instances WHERE status = 'Completed'"
        seconds = wait_until(lambda: count(host.database, done) == instances, timeout=600)
        assert count(host.database, "SELECT COUNT(*) FROM instances WHERE output = '5'") == instances
    finally:
        host.stop()
    activities, episodes = instances * 5, instances * 6
    print(f"throughput: {instances} orchestrations x 5 sequential activities in {seconds:.2f} s")
    print(f"  {instances / seconds:,.0f} orchestrations/s")
    print(
        f"  {(activities + episodes) / seconds:,.0f} work items/s "
        f"({activities / seconds:,.0f} activity + {episodes / seconds:,.0f} orchestrator work items/s)"
    )


def fanout(folder: Path, latency_ms: int, runs: int) -> None:
    host = host_for(folder, "function_app", REPO, {"OFFLINE_MODEL_LATENCY_MS": str(latency_ms)}).start()
    try:
        durations = []
        for n in range(runs):
            code, body = host.request("POST", "/api/research/run", {"topic": f"durable agents {n}"})
            assert code == 202, body
            status = host.wait_for(body["id"], timeout=120)
            assert status["runtimeStatus"] == "Completed", status
            durations.append(_duration(host.database, body["id"]))
    finally:
        host.stop()
    best, median = min(durations), statistics.median(durations)
    latency = latency_ms / 1000
    print(f"fan-out: research flow, offline model with fixed latency L = {latency_ms} ms, {runs} runs")
    print(
        f"  median {median:.3f} s = {median / latency:.2f} L (best {best / latency:.2f} L); sequential would be >= 4 L"
    )


def _duration(database: Path, instance_id: str) -> float:
    with sqlite3.connect(database) as conn:
        created, completed = conn.execute(
            "SELECT created, completed FROM instances WHERE id = ?", (instance_id,)
        ).fetchone()
    return completed - created


def waiting(folder: Path, instances: int, idle_seconds: float) -> None:
    host = host_for(folder, "bench_app", BENCH)
    ids = seed(host.database, "await_approval", [None] * instances, "wait")
    host.start()
    try:
        waiting_sql = "SELECT COUNT(*) FROM instances WHERE status = 'Running'"
        settle = wait_until(
            lambda: (
                count(host.database, waiting_sql) == instances
                and count(host.database, "SELECT COUNT(*) FROM inbox") == 0
            ),
            timeout=600,
        )
        pid = host.process.pid
        cpu_before = cpu_seconds(pid)
        time.sleep(idle_seconds)
        idle_cpu = cpu_seconds(pid) - cpu_before
        rss = rss_mib(pid)
        latencies = []
        for instance_id in ids[:: max(1, instances // 20)]:
            started = time.perf_counter()
            code, _ = host.request(
                "POST",
                f"/runtime/webhooks/durabletask/instances/{instance_id}/raiseEvent/ApprovalDecision",
                {"approved": True},
            )
            assert code == 202
            host.wait_for(instance_id, timeout=30, poll=0.001)
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        host.stop()
    print(f"waiting: {instances} orchestrations waiting for ApprovalDecision (all reached waiting in {settle:.1f} s)")
    print(
        f"  idle CPU over {idle_seconds:.0f} s: {idle_cpu:.2f} CPU-s ({100 * idle_cpu / idle_seconds:.1f}% of a core)"
    )
    print(f"  host RSS: {rss:.0f} MiB")
    print(
        f"  approval to completion (HTTP raise -> Completed observed): median {statistics.median(latencies):.1f} ms, "
        f"max {max(latencies):.1f} ms over {len(latencies)} approvals"
    )


def replay(folder: Path, steps: int) -> None:
    host = host_for(folder, "bench_app", BENCH, {"DEVHOST_LOG_LEVEL": "INFO"})
    seed(host.database, "many_steps", [steps], "replay")
    host.start()
    try:
        sql = "SELECT COUNT(*) FROM instances WHERE status = 'Completed'"
        seconds = wait_until(lambda: count(host.database, sql) == 1, timeout=1200)
    finally:
        host.stop()
    episodes = [
        float(line.rsplit("(", 1)[1].split(" ms")[0])
        for line in host.log().splitlines()
        if "episode many_steps" in line
    ]
    print(
        f"replay: one orchestration of {steps} sequential activities in {seconds:.1f} s "
        f"({1000 * seconds / steps:.2f} ms per step end to end)"
    )
    print(
        f"  episode replay time: first {episodes[0]:.2f} ms, at step {steps // 2} {episodes[steps // 2]:.2f} ms, "
        f"last {episodes[-1]:.2f} ms ({1000 * episodes[-1] / steps:.1f} us per history step replayed)"
    )


def dashboard(folder: Path, instances: int) -> None:
    """The dashboard over ``instances`` orchestrations: copies of real runs of the app (offline model)."""
    host = host_for(folder, "function_app", REPO, {"LOCAL_DATA_DIR": str(folder / "data")}).start()
    try:
        research = [_started(host, "/api/research/run", {"topic": f"dashboards {n}"}) for n in range(3)]
        spam = _started(host, "/api/spam-detection/run", {"content": "Win a prize now!!! http://bit.ly/x"})
        for instance_id in [*research, spam]:
            host.wait_for(instance_id, timeout=120)
        review = _started(host, "/api/content/run", {"topic": "dashboards"})
        host.wait_for(
            review,
            ("Running",),
            timeout=120,
            predicate=lambda s: (s["customStatus"] or {}).get("stage") == "awaiting_approval",
        )
    finally:
        host.stop()
    total = multiply(host.database, instances)
    sessions = count(host.database, "SELECT COUNT(*) FROM entities")
    host = host.successor().start()
    try:
        status = f"/runtime/webhooks/durabletask/instances/{research[0]}"
        cold, probes = meanwhile(host, "/dashboard/api/metrics", status)
        pages = {
            "orchestration list (200 newest)": "/dashboard/api/orchestrations",
            "list filtered by status and name (1,000)": "/dashboard/api/orchestrations?status=Completed&name=research_orchestration&limit=1000",
            "one orchestration with its timeline": f"/dashboard/api/orchestrations/{research[0]}-1000",
            "agent sessions (200 newest)": "/dashboard/api/agents",
            "metrics (figures read before)": "/dashboard/api/metrics",
            "Durable API instance list (1,000)": "/runtime/webhooks/durabletask/instances?top=1000",
        }
        timings = {label: statistics.median(timed_get(host, path) for _ in range(5)) for label, path in pages.items()}
    finally:
        host.stop()
    print(f"dashboard: {total:,} orchestrations and {sessions:,} agent sessions (copies of real runs)")
    print(
        f"  metrics, every session read for the first time: {cold * 1000:,.0f} ms; meanwhile {len(probes)} status "
        f"requests answered, median {statistics.median(probes) * 1000:.1f} ms, max {max(probes) * 1000:.0f} ms"
    )
    for label, seconds in timings.items():
        print(f"  {label}: median {seconds * 1000:,.1f} ms")


def _started(host: DevHost, route: str, body: object) -> str:
    code, answer = host.request("POST", route, body)
    assert code == 202, answer
    return answer["id"]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("scenario", choices=["throughput", "fanout", "waiting", "replay", "dashboard", "all"])
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--waiting", type=int, default=10000)
    parser.add_argument("--latency-ms", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--dashboard-instances", type=int, default=10000)
    args = parser.parse_args()
    scenarios = {
        "throughput": lambda d: throughput(d, args.instances),
        "fanout": lambda d: fanout(d, args.latency_ms, args.runs),
        "waiting": lambda d: waiting(d, args.waiting, idle_seconds=10),
        "replay": lambda d: replay(d, args.steps),
        "dashboard": lambda d: dashboard(d, args.dashboard_instances),
    }
    for name, scenario in scenarios.items():
        if args.scenario in (name, "all"):
            with tempfile.TemporaryDirectory() as folder:
                scenario(Path(folder))


if __name__ == "__main__":
    main()
