"""The dashboard with 10,000 orchestrations (copies of real runs of the test app, with their histories and
agent sessions): pages answer fast, and the slowest view, the metrics over every agent session read for the
first time, runs off the event loop, so every other request is served meanwhile."""

from __future__ import annotations

import statistics
from collections.abc import Iterator

import pytest

from bench.scale import meanwhile, multiply, timed_get
from devhost.process import DevHost
from tests.dashboard.conftest import APPS, DASHBOARD_API, OFFLINE, awaiting_review, dashboard, start

INSTANCES = 10_000


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DevHost, str]]:
    folder = tmp_path_factory.mktemp("dashboard-scale")
    env = {**OFFLINE, "DEVHOST_LOG_LEVEL": "WARNING"}
    host = DevHost("mini_app", APPS, folder / "durable.db", folder / "host.log", env).start()
    research = [start(host, "research", {"topic": f"scale {n}"}) for n in range(2)]
    review = start(host, "content", {"topic": "scale"})
    for instance_id in research:
        host.wait_for(instance_id, timeout=60)
    host.wait_for(review, ("Running",), predicate=awaiting_review, timeout=60)
    host.stop()
    assert multiply(host.database, INSTANCES) >= INSTANCES
    crowded = host.successor().start()
    yield crowded, research[0]
    crowded.stop()


def test_the_first_metrics_over_every_session_leave_the_host_serving(crowded: tuple[DevHost, str]) -> None:
    host, instance_id = crowded
    metrics_seconds, probes = meanwhile(host, f"{DASHBOARD_API}/metrics",
                                        f"/runtime/webhooks/durabletask/instances/{instance_id}")
    assert metrics_seconds < 60
    assert len(probes) >= 10 and statistics.median(probes) < 0.25, (metrics_seconds, probes)
    agents = {a["agent"]: a for a in dashboard(host, "/metrics")["agents"]}
    assert agents["MarketResearchAgent"]["sessions"] >= INSTANCES // 3 * 2  # two of three copied runs are research runs


@pytest.mark.parametrize("path", [
    "/orchestrations",
    "/orchestrations?status=Completed&name=research_orchestration&limit=1000",
    "/agents",
    "/metrics",
])  # fmt: skip
def test_pages_answer_within_a_second_or_two(crowded: tuple[DevHost, str], path: str) -> None:
    host, _ = crowded
    dashboard(host, "/metrics")  # the figures of every session are read once
    assert statistics.median(timed_get(host, DASHBOARD_API + path) for _ in range(3)) < 2.0


def test_one_orchestration_among_ten_thousand_answers_at_once(crowded: tuple[DevHost, str]) -> None:
    host, instance_id = crowded
    assert timed_get(host, f"{DASHBOARD_API}/orchestrations/{instance_id}-3000") < 1.0
    counts = dashboard(host, "/orchestrations?limit=1")["counts"]
    assert sum(counts.values()) >= INSTANCES
