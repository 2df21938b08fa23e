"""The real app under stress: SIGKILL mid-flow (after a restart on the same database every flow finishes and
no agent request is made twice), and HTTP that keeps answering while agents are busy."""

from __future__ import annotations

import threading
from pathlib import Path

from devhost.process import DevHost
from tests.conftest import wait_until
from tests.e2e.conftest import agent_requests, awaiting_review, history, new_app_host, start_flow
from tests.e2e.test_model_faults import scripted_settings
from tests.model_server import ScriptedModelServer
from tests.smtp import SmtpServer

RESEARCHERS = ("TechnicalResearchAgent", "MarketResearchAgent", "CompetitorResearchAgent")
RESEARCH_AGENTS = (*RESEARCHERS, "SummaryAgent")


def restarted(killed: DevHost) -> DevHost:
    killed.kill()
    return killed.successor().start()


def test_approval_wait_survives_a_kill(tmp_path: Path, smtp: SmtpServer) -> None:
    server = new_app_host(tmp_path, smtp.port).start()
    instance_id = start_flow(server, "content", {"topic": "crash-proof publishing", "reviewer": "kim@contoso.com"})
    draft = server.wait_for(instance_id, ("Running",), predicate=awaiting_review)["customStatus"]["draft"]
    server = restarted(server)
    try:
        assert server.status(instance_id)["customStatus"]["draft"] == draft
        assert server.request("POST", f"/api/content/{instance_id}/decision", {"approved": True})[0] == 202
        result = server.wait_for(instance_id)["output"]
        assert result["status"] == "published" and result["draft"] == draft
        notices = [m["Subject"] for m in smtp.messages if "kim@contoso.com" in (m["To"] or "")]
        # The reviewer was asked once, not again after the restart, then told the draft was published.
        assert [subject.split(":")[0] for subject in notices] == ["Review requested (round 1 of 3)", "Review published"]
        requests = agent_requests(server, "ContentGenerationAgent")
        assert len(requests) == 1
    finally:
        server.stop()


def held_research(host: DevHost, model: ScriptedModelServer, topic: str, release: threading.Event) -> str:
    """Start a research flow whose three research agents are all mid-call: each has asked the model, which holds
    its answer until ``release`` is set (or until a host that asks again gets an answer at once)."""
    model.reset()
    for agent in RESEARCHERS:
        model.fail("hang", agent=agent, until=release)
    instance_id = start_flow(host, "research", {"topic": topic})
    wait_until(lambda: all(model.requests_for(agent) for agent in RESEARCHERS), "the three research agents' calls")
    return instance_id


def test_research_fan_out_survives_a_kill_mid_flight(
    tmp_path: Path, smtp: SmtpServer, model: ScriptedModelServer
) -> None:
    server = new_app_host(tmp_path, smtp.port, **scripted_settings(model.base_url, MODEL_TIMEOUT_SECONDS="60")).start()
    finished = start_flow(server, "research", {"topic": "finished before the crash"})
    server.wait_for(finished, timeout=30)
    release = threading.Event()
    try:
        instance_id = held_research(server, model, "interrupted research", release)
        assert "EventRaised" not in [e["EventType"] for e in history(server, instance_id)]  # none has answered
        server = restarted(server)
        result = server.wait_for(instance_id, timeout=60)
        assert result["runtimeStatus"] == "Completed"
        assert set(result["output"]["sections"]) == {"technical", "market", "competitor"}
        for agent in RESEARCH_AGENTS:
            requests = agent_requests(server, agent)
            assert len(requests) == 2 and len(set(requests)) == 2, (agent, requests)
    finally:
        release.set()
        server.stop()


def test_http_answers_while_agents_are_busy(tmp_path: Path, smtp: SmtpServer, model: ScriptedModelServer) -> None:
    server = new_app_host(tmp_path, smtp.port, **scripted_settings(model.base_url, MODEL_TIMEOUT_SECONDS="60")).start()
    release = threading.Event()
    try:
        instance_id = held_research(server, model, "responsiveness", release)
        for _ in range(20):
            assert server.request("GET", "/api/health")[0] == 200
            assert server.request("GET", f"/api/orchestrations/{instance_id}")[0] == 200
        # All of the above was answered while the three agents were still waiting for the model.
        assert "EventRaised" not in [e["EventType"] for e in history(server, instance_id)]
        release.set()
        assert server.wait_for(instance_id, timeout=60)["runtimeStatus"] == "Completed"
    finally:
        release.set()
        server.stop()
