"""The dashboard with 10,000 orchestrations (copies of real runs of the test app, with their histories and
agent sessions): every page answers with the right rows, and the slowest view, the metrics over every agent
session read for the first time, runs off the event loop, so other requests are served meanwhile. How fast each
page answers is measured by `python -m bench.run dashboard`, not asserted here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.scale import meanwhile, multiply
from devhost.process import DevHost
from tests.dashboard.conftest import APPS, DASHBOARD_API, OFFLINE, dashboard, start
from tests.e2e.conftest import awaiting_review

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
    metrics_seconds, probes = meanwhile(
        host, f"{DASHBOARD_API}/metrics", f"/runtime/webhooks/durabletask/instances/{instance_id}"
    )
    # Had the metrics held the event loop, no probe sent meanwhile would have been answered before it finished.
    assert len(probes) >= 3 and max(probes) < metrics_seconds, (metrics_seconds, probes)
    agents = {a["agent"]: a for a in dashboard(host, "/metrics")["agents"]}
    assert agents["MarketResearchAgent"]["sessions"] >= INSTANCES // 3 * 2  # two of three copied runs are research runs


def test_lists_filter_and_count_among_ten_thousand(crowded: tuple[DevHost, str]) -> None:
    host, _ = crowded
    research = dashboard(host, "/orchestrations?status=Completed&name=research_orchestration&limit=1000")
    rows = research["orchestrations"]
    assert len(rows) == 1000
    assert {(row["name"], row["status"]) for row in rows} == {("research_orchestration", "Completed")}
    assert len(dashboard(host, "/orchestrations")["orchestrations"]) == 200  # the newest, one page
    assert dashboard(host, "/agents")["sessions"]


def test_one_orchestration_among_ten_thousand_is_found_with_its_timeline(crowded: tuple[DevHost, str]) -> None:
    host, instance_id = crowded
    copy = dashboard(host, f"/orchestrations/{instance_id}-3000")
    assert copy["instanceId"] == f"{instance_id}-3000" and copy["timeline"]
    counts = dashboard(host, "/orchestrations?limit=1")["counts"]
    assert sum(counts.values()) >= INSTANCES
