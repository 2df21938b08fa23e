"""The real app under stress: SIGKILL mid-flow (after a restart on the same database every flow finishes and
no agent request is made twice), and HTTP that keeps answering while agents are busy."""

from __future__ import annotations

import time
from pathlib import Path

from devhost.process import DevHost
from tests.e2e.conftest import agent_requests, awaiting_review, history, new_app_host, start_flow
from tests.smtp import SmtpServer

RESEARCH_AGENTS = ("TechnicalResearchAgent", "MarketResearchAgent", "CompetitorResearchAgent", "SummaryAgent")


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


def test_research_fan_out_survives_a_kill_mid_flight(tmp_path: Path, smtp: SmtpServer) -> None:
    server = new_app_host(tmp_path, smtp.port, latency_ms=1500).start()
    finished = start_flow(server, "research", {"topic": "finished before the crash"})
    server.wait_for(finished, timeout=30)
    instance_id = start_flow(server, "research", {"topic": "interrupted research"})
    # Kill while the three research agents are all mid-call (each takes 1.5 s): sent, none answered.
    deadline = time.time() + 20
    while [e["EventType"] for e in history(server, instance_id)].count("EventSent") < 3 and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.5)
    assert "EventRaised" not in [e["EventType"] for e in history(server, instance_id)]
    server = restarted(server)
    try:
        result = server.wait_for(instance_id, timeout=60)
        assert result["runtimeStatus"] == "Completed"
        assert set(result["output"]["sections"]) == {"technical", "market", "competitor"}
        for agent in RESEARCH_AGENTS:
            requests = agent_requests(server, agent)
            assert len(requests) == 2 and len(set(requests)) == 2, (agent, requests)
    finally:
        server.stop()


def test_http_answers_while_agents_are_busy(tmp_path: Path, smtp: SmtpServer) -> None:
    server = new_app_host(tmp_path, smtp.port, latency_ms=3000).start()
    try:
        instance_id = start_flow(server, "research", {"topic": "responsiveness"})
        while [e["EventType"] for e in history(server, instance_id)].count("EventSent") < 3:
            time.sleep(0.02)
        for _ in range(20):
            assert server.request("GET", "/api/health")[0] == 200
            assert server.request("GET", f"/api/orchestrations/{instance_id}")[0] == 200
        # All of the above was answered while the three agents were still thinking.
        assert "EventRaised" not in [e["EventType"] for e in history(server, instance_id)]
    finally:
        server.stop()
