"""Every flow of function_app.py over real HTTP on the local host, reading the real outputs and side effects."""

from __future__ import annotations

from pathlib import Path

from devhost.process import DevHost
from tests.smtp import SmtpServer
from tests.e2e.conftest import agent_requests, history, start_flow

SPAM = {
    "content": "URGENT!!! You have WON $1,000,000. Click http://bit.ly/claim-now within 24 hours "
               "and send your bank details to claim your prize.",
    "sender": "lottery@winner-prizes.biz",
    "subject": "YOU WON",
}
HAM = {
    "email_id": "ham-1",
    "content": "Hi Sam, could we move Thursday's project review to 3pm? I'd like to walk through "
               "the migration plan and the open questions on testing. Thanks, Alex",
    "sender": "alex@contoso.com",
    "subject": "Project review time",
}


def awaiting_review(status: dict) -> bool:
    return (status.get("customStatus") or {}).get("stage") == "awaiting_approval"


def test_spam_is_quarantined_with_the_reason_and_no_mail_is_sent(app_host: DevHost, smtp: SmtpServer) -> None:
    sent_before = len(smtp.messages)
    instance_id = start_flow(app_host, "spam-detection", SPAM)
    result = app_host.wait_for(instance_id)["output"]
    assert result["branch"] == "spam" and result["is_spam"] is True
    assert "bit.ly" in result["verdict"]["reason"]
    quarantined = Path(result["quarantine"]["location"])
    assert quarantined.exists() and "claim your prize" in quarantined.read_text()
    assert len(smtp.messages) == sent_before


def test_legitimate_mail_gets_a_reply_sent_over_smtp(app_host: DevHost, smtp: SmtpServer) -> None:
    instance_id = start_flow(app_host, "spam-detection", HAM)
    result = app_host.wait_for(instance_id)["output"]
    assert result["branch"] == "legitimate" and result["is_spam"] is False
    replies = [m for m in smtp.messages if m["To"] and "alex@contoso.com" in m["To"]]
    assert len(replies) == 1
    assert "Project review time" in replies[0]["Subject"]


def test_bare_content_body_works(app_host: DevHost) -> None:
    instance_id = start_flow(app_host, "spam-detection", {"content": "Lunch tomorrow at noon? Bring the slides."})
    assert app_host.wait_for(instance_id)["runtimeStatus"] == "Completed"


def test_research_runs_three_agents_concurrently_then_summarises(app_host: DevHost) -> None:
    instance_id = start_flow(app_host, "research", {"topic": "vector databases"})
    status = app_host.wait_for(instance_id)
    assert status["runtimeStatus"] == "Completed"
    output = status["output"]
    assert set(output["sections"]) == {"technical", "market", "competitor"}
    assert "vector databases" in output["summary"]["summary"]
    events = history(app_host, instance_id)
    calls = [e for e in events if e["EventType"] == "EventSent"]
    agents = [c["InstanceId"].split("@")[1] for c in calls]
    assert agents[-1] == "dafx-summaryagent"
    assert set(agents[:3]) == {"dafx-technicalresearchagent", "dafx-marketresearchagent", "dafx-competitorresearchagent"}
    # The three research calls leave in one episode: scheduled together, before any of them answered.
    assert len({c["Timestamp"] for c in calls[:3]}) == 1


def test_content_approved_is_published(app_host: DevHost, data_dir: Path, smtp: SmtpServer) -> None:
    instance_id = start_flow(app_host, "content", {"topic": "serverless agents", "reviewer": "rita@contoso.com"})
    waiting = app_host.wait_for(instance_id, ("Running",), predicate=awaiting_review)
    assert waiting["customStatus"]["draft"]["title"]
    assert any("rita@contoso.com" in (m["To"] or "") for m in smtp.messages)
    code, body = app_host.request("POST", f"/api/content/{instance_id}/decision", {"approved": True, "feedback": "Ship it"})
    assert code == 202, body
    result = app_host.wait_for(instance_id)["output"]
    assert result["status"] == "published" and result["feedback"] == "Ship it"
    published = Path(result["publication"]["location"])
    assert published.exists() and waiting["customStatus"]["draft"]["title"] in published.read_text()
    assert "TimerFired" not in [e["EventType"] for e in history(app_host, instance_id)]


def test_content_rejected_carries_feedback_and_a_revision(app_host: DevHost) -> None:
    instance_id = start_flow(app_host, "content", "edge computing")
    app_host.wait_for(instance_id, ("Running",), predicate=awaiting_review)
    feedback = "Too long; add a concrete example"
    assert app_host.request("POST", f"/api/content/{instance_id}/decision",
                            {"approved": False, "feedback": feedback})[0] == 202
    result = app_host.wait_for(instance_id)["output"]
    assert result["status"] == "rejected" and result["feedback"] == feedback
    assert result["revised_draft"]["body"] != result["draft"]["body"]


def test_content_times_out_and_is_escalated(app_host: DevHost, smtp: SmtpServer) -> None:
    instance_id = start_flow(app_host, "content", {"topic": "quantum networking", "timeout_hours": 0.0005})
    result = app_host.wait_for(instance_id, timeout=30)["output"]
    assert result["status"] == "escalated"
    escalations = [m for m in smtp.messages if (m["Subject"] or "").startswith("Escalation")]
    assert any("quantum networking" in m.get_payload(decode=True).decode() for m in escalations)


def test_each_agent_call_is_recorded_once(app_host: DevHost) -> None:
    for agent in ("SpamDetectionAgent", "TechnicalResearchAgent", "SummaryAgent", "ContentGenerationAgent"):
        requests = agent_requests(app_host, agent)
        assert requests and len(requests) == len(set(requests)), agent


def test_malformed_decision_raised_directly_is_ignored_and_the_review_goes_on(app_host: DevHost) -> None:
    instance_id = start_flow(app_host, "content", {"topic": "robust reviews", "timeout_hours": 1})
    app_host.wait_for(instance_id, ("Running",), predicate=awaiting_review)
    raw_event = f"/runtime/webhooks/durabletask/instances/{instance_id}/raiseEvent/ApprovalDecision"
    assert app_host.request("POST", raw_event, {"approved": "maybe"})[0] == 202
    waiting = app_host.wait_for(instance_id, ("Running",),
                                predicate=lambda s: "malformed" in s["customStatus"].get("message", ""))
    assert waiting["customStatus"]["stage"] == "awaiting_approval"
    assert app_host.request("POST", f"/api/content/{instance_id}/decision", {"approved": True})[0] == 202
    assert app_host.wait_for(instance_id)["output"]["status"] == "published"
