"""The dashboard's JSON endpoints over real HTTP, against the test app on the local host."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import pytest

from devhost.process import DevHost
from tests.dashboard.conftest import DASHBOARD_API, dashboard, start
from tests.e2e.conftest import awaiting_review

RESEARCHERS = {"TechnicalResearchAgent", "MarketResearchAgent", "CompetitorResearchAgent"}


@pytest.fixture(scope="module")
def research(host: DevHost) -> str:
    instance_id = start(host, "research", {"topic": "durable agents"})
    assert host.wait_for(instance_id)["runtimeStatus"] == "Completed"
    return instance_id


@pytest.fixture(scope="module")
def waiting_content(host: DevHost) -> str:
    instance_id = start(host, "content", {"topic": "local dashboards"})
    host.wait_for(instance_id, ("Running",), predicate=awaiting_review)
    return instance_id


def test_list_filters_by_status_and_name(host: DevHost, research: str, waiting_content: str) -> None:
    everything = dashboard(host, "/orchestrations")
    ids = [o["instanceId"] for o in everything["orchestrations"]]
    assert research in ids and waiting_content in ids
    assert {"research_orchestration", "content_approval_workflow"} <= set(everything["names"])
    assert everything["counts"]["Completed"] >= 1 and everything["counts"]["Running"] >= 1

    running = dashboard(host, "/orchestrations?status=running")["orchestrations"]
    assert [o["instanceId"] for o in running] == [waiting_content]
    assert running[0]["stage"] == "awaiting_approval" and "awaitingApproval" not in running[0]
    assert running[0]["completedAt"] is None and running[0]["durationMs"] > 0

    named = dashboard(host, "/orchestrations?name=research_orchestration&status=Completed,Failed")["orchestrations"]
    assert [o["instanceId"] for o in named] == [research]
    assert named[0]["url"] == f"/dashboard/orchestrations/{research}"
    by_prefix = dashboard(host, f"/orchestrations?q={research[:6]}")["orchestrations"]
    assert research in [o["instanceId"] for o in by_prefix]


def test_research_timeline_shows_the_three_agents_running_at_once(host: DevHost, research: str) -> None:
    detail = dashboard(host, f"/orchestrations/{research}")
    assert detail["status"] == "Completed" and detail["input"] == "durable agents"
    assert detail["output"]["topic"] == "durable agents" and detail["failure"] is None
    agents = [s for s in detail["timeline"] if s["kind"] == "agent"]
    assert {s["name"] for s in agents} == RESEARCHERS
    assert all(s["status"] == "completed" and s["durationMs"] > 0 for s in agents)
    assert max(s["startedAt"] for s in agents) < min(s["endedAt"] for s in agents), "the agents did not overlap"
    for step in agents:
        assert step["entityId"].startswith("@dafx-") and step["url"] == f"/dashboard/agents/{step['entityId']}"
        session = dashboard(host, f"/agents/{step['entityId']}")
        assert session["agent"] == step["name"] and session["orchestrationIds"] == [research]


def test_session_shows_tool_calls_structured_output_timing_and_tokens(host: DevHost, waiting_content: str) -> None:
    step = next(s for s in dashboard(host, f"/orchestrations/{waiting_content}")["timeline"] if s["kind"] == "agent")
    name, key = step["entityId"].split("@")[1:]
    session = dashboard(host, f"/agents/ContentGenerationAgent/{key}")  # the agent's name and key work too
    assert session["entityId"] == step["entityId"] and name == "dafx-contentgenerationagent"
    (call,) = session["exchanges"]
    assert call["orchestrationId"] == waiting_content and call["responseFormat"] == "Article"
    assert call["responseTimeMs"] > 0 and call["usage"]["total"] == call["usage"]["input"] + call["usage"]["output"]
    assert session["tokens"] == call["usage"] and session["calls"] == 1
    items = [item for message in call["response"] for item in message["items"]]
    tool_call = next(i for i in items if i["type"] == "functionCall")
    tool_result = next(i for i in items if i["type"] == "functionResult")
    assert tool_call["name"] == "word_count" and tool_call["arguments"] == {"text": "local dashboards"}
    assert tool_result["name"] == "word_count" and tool_result["result"] == {"words": 2}
    assert call["structuredOutput"]["title"] == "Draft: local dashboards"
    assert call["request"][0]["items"] == [{"type": "text", "text": "local dashboards"}]

    listed = dashboard(host, "/agents?agent=ContentGenerationAgent")
    assert [s["entityId"] for s in listed["sessions"]] == [step["entityId"]]
    assert {"ContentGenerationAgent", *RESEARCHERS} <= set(listed["agents"])


def test_timers_and_events_show_on_the_timeline_named_and_the_dashboard_knows_no_app_protocol(
    host: DevHost, waiting_content: str
) -> None:
    detail = dashboard(host, f"/orchestrations/{waiting_content}")
    assert "approval" not in detail
    [timer] = [s for s in detail["timeline"] if s["kind"] == "timer"]
    fires = datetime.fromisoformat(timer["firesAt"].replace("Z", "+00:00"))
    assert (timer["status"], timer["name"]) == ("pending", f"timer to {fires:%d %b %H:%M} UTC")

    code, _ = host.request(
        "POST", f"/api/content/{waiting_content}/decision", {"approved": True, "feedback": "Ship it"}
    )
    assert code == 202
    assert host.wait_for(waiting_content)["output"]["status"] == "published"
    done = dashboard(host, f"/orchestrations/{waiting_content}")
    steps = {s["kind"]: s for s in done["timeline"]}
    assert steps["timer"]["status"] == "cancelled"
    assert steps["event"]["name"] == "ApprovalDecision" and steps["event"]["input"]["feedback"] == "Ship it"
    assert (
        steps["activity"]["name"] == "publish" and steps["activity"]["result"] == "published/Draft: local dashboards.md"
    )


def test_an_instance_page_shows_deeply_nested_inputs_and_events_cut_short(host: DevHost, waiting_content: str) -> None:
    deep = b"[" * 900 + b"]" * 900
    code, started = host.request("POST", "/runtime/webhooks/durabletask/orchestrators/research_orchestration", raw=deep)
    assert code == 202, started
    waiting = start(host, "content", {"topic": "deep events"})
    host.wait_for(waiting, ("Running",), predicate=awaiting_review)
    assert (
        host.request("POST", f"/runtime/webhooks/durabletask/instances/{waiting}/raiseEvent/Deep", raw=deep)[0] == 202
    )
    host.wait_for(started["id"])

    for instance_id in (started["id"], waiting):
        code, detail = host.request("GET", f"{DASHBOARD_API}/orchestrations/{instance_id}")
        assert code == 200, detail
    shown = dashboard(host, f"/orchestrations/{started['id']}")["input"]
    depth = 0
    while isinstance(shown, list):
        shown, depth = shown[0], depth + 1
    assert depth == 32 and "nested deeper than 32 levels" in shown
    host.request("POST", f"/runtime/webhooks/durabletask/instances/{waiting}/terminate")


def test_failed_orchestration_reports_message_and_stack(host: DevHost) -> None:
    instance_id = start(host, "failing", {"topic": "x"})
    host.wait_for(instance_id)
    detail = dashboard(host, f"/orchestrations/{instance_id}")
    assert detail["status"] == "Failed" and detail["output"] is None
    assert detail["failure"]["message"].endswith("this flow always fails after publishing")
    assert "Traceback" in detail["failure"]["details"]


def test_metrics_per_agent_and_per_orchestration_name(host: DevHost, research: str, waiting_content: str) -> None:
    metrics = dashboard(host, "/metrics")
    agents = {a["agent"]: a for a in metrics["agents"]}
    assert agents.keys() >= RESEARCHERS
    for name in RESEARCHERS:
        row = agents[name]
        assert row["calls"] >= 1 and row["errors"] == 0 and row["tokens"]["total"] > 0
        assert 0 < row["responseTimeMs"]["median"] <= row["responseTimeMs"]["p95"]
    flows = {o["name"]: o for o in metrics["orchestrations"]}
    assert flows["research_orchestration"]["byStatus"]["Completed"] >= 1
    assert flows["research_orchestration"]["durationMs"]["median"] > 0


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/orchestrations/no-such-instance", 404, "no orchestration instance with ID 'no-such-instance'"),
        ("/agents/@dafx-nobody@key", 404, "no agent session '@dafx-nobody@key'"),
        ("/agents/Nobody/key", 404, "no agent session '@dafx-nobody@key'"),
        ("/agents/just-a-name", 400, "'just-a-name' is not an agent session"),
        ("/orchestrations?status=Sleeping", 400, "unknown status 'Sleeping'"),
        ("/orchestrations?limit=0", 400, "limit must be a whole number from 1 to 1000"),
        ("/agents?limit=lots", 400, "limit must be a whole number from 1 to 1000"),
        ("/no-such-endpoint", 404, "Not Found"),
    ],
)
def test_bad_requests_get_a_json_error(host: DevHost, path: str, status: int, message: str) -> None:
    code, body = host.request("GET", DASHBOARD_API + path)
    assert code == status and isinstance(body, dict) and body["error"].startswith(message), (code, body)


@pytest.mark.parametrize(
    "page", ["", "/", "/orchestrations/any-id", "/agents", f"/agents/{quote('@dafx-a@b')}", "/agents/A/b", "/metrics"]
)
def test_every_page_url_serves_the_app(host: DevHost, page: str) -> None:
    code, body = host.request("GET", f"/dashboard{page}")
    assert code == 200 and '<main id="view"' in body


def test_static_assets_are_served(host: DevHost) -> None:
    for asset in ("main.js", "util.js", "timeline.js", "dashboard.css"):
        code, body = host.request("GET", f"/dashboard/static/{asset}")
        assert code == 200 and body, asset
