"""Every flow of function_app.py over real HTTP on the local host, reading the real outputs and side effects."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from devhost.process import DevHost
from tests.e2e.conftest import agent_requests, awaiting_review, history, new_app_host, start_flow
from tests.e2e.test_model_faults import WRITER, scripted_settings
from tests.model_server import ScriptedModelServer
from tests.smtp import SmtpServer

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


def test_spam_is_quarantined_with_the_reason_and_no_mail_is_sent(app_host: DevHost, smtp: SmtpServer) -> None:
    sent_before = len(smtp.to("lottery@winner-prizes.biz"))  # where a reply would go
    instance_id = start_flow(app_host, "spam-detection", SPAM)
    result = app_host.wait_for(instance_id)["output"]
    assert result["branch"] == "spam" and result["is_spam"] is True
    assert "bit.ly" in result["verdict"]["reason"]
    quarantined = Path(result["quarantine"]["location"])
    assert quarantined.exists() and "claim your prize" in quarantined.read_text()
    assert len(smtp.to("lottery@winner-prizes.biz")) == sent_before


def test_legitimate_mail_gets_a_reply_sent_over_smtp(app_host: DevHost, smtp: SmtpServer) -> None:
    replied_before = len(smtp.to("alex@contoso.com"))  # other tests answer Alex too: count this run's reply only
    instance_id = start_flow(app_host, "spam-detection", HAM)
    result = app_host.wait_for(instance_id)["output"]
    assert result["branch"] == "legitimate" and result["is_spam"] is False
    [reply] = smtp.to("alex@contoso.com")[replied_before:]
    assert "Project review time" in reply["Subject"]


def test_two_spam_runs_reusing_an_email_id_keep_their_own_quarantined_files(app_host: DevHost) -> None:
    runs = [
        start_flow(app_host, "spam-detection", {**SPAM, "email_id": "reused-1", "subject": subject})
        for subject in ("FIRST WIN", "SECOND WIN")
    ]
    first, second = (app_host.wait_for(run)["output"]["quarantine"] for run in runs)
    assert (first["repeat"], second["repeat"]) == (False, False)
    assert first["location"] != second["location"]
    assert "FIRST WIN" in Path(first["location"]).read_text()
    assert "SECOND WIN" in Path(second["location"]).read_text()


def test_line_breaks_pasted_into_a_subject_or_topic_end_up_on_one_header_line(
    app_host: DevHost, smtp: SmtpServer
) -> None:
    spam = start_flow(app_host, "spam-detection", {**SPAM, "subject": "YOU\r\nWON"})
    ham = start_flow(app_host, "spam-detection", {**HAM, "email_id": "ham-pasted", "subject": "Project\r\nreview time"})
    for instance_id in (spam, ham):
        assert app_host.wait_for(instance_id)["runtimeStatus"] == "Completed"
    quarantined = Path(app_host.status(spam)["output"]["quarantine"]["location"]).read_text()
    assert "Subject: YOU WON\n" in quarantined

    content = start_flow(app_host, "content", {"topic": "pasted\r\ntopics", "reviewer": "paste@contoso.com"})
    app_host.wait_for(content, ("Running",), predicate=awaiting_review)
    [notice] = [m for m in smtp.messages if "paste@contoso.com" in (m["To"] or "")]
    assert notice["Subject"] == "Review requested (round 1 of 3): Pasted topics"
    app_host.request("POST", f"/runtime/webhooks/durabletask/instances/{content}/terminate?reason=test")


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
    assert set(agents[:3]) == {
        "dafx-technicalresearchagent",
        "dafx-marketresearchagent",
        "dafx-competitorresearchagent",
    }
    # The three research calls leave in one episode: scheduled together, before any of them answered.
    assert len({c["Timestamp"] for c in calls[:3]}) == 1


def test_content_approved_is_published(app_host: DevHost, data_dir: Path, smtp: SmtpServer) -> None:
    instance_id = start_flow(app_host, "content", {"topic": "serverless agents", "reviewer": "rita@contoso.com"})
    waiting = app_host.wait_for(instance_id, ("Running",), predicate=awaiting_review)
    assert waiting["customStatus"]["draft"]["title"]
    [notice] = [m for m in smtp.messages if "rita@contoso.com" in (m["To"] or "")]
    # The link points back to where the flow was started: this host, on its own port.
    assert f"{app_host.url}/api/content/{instance_id}/decision" in notice.get_content()
    code, body = app_host.request(
        "POST", f"/api/content/{instance_id}/decision", {"approved": True, "feedback": "Ship it"}
    )
    assert code == 202, body
    result = app_host.wait_for(instance_id)["output"]
    assert result["status"] == "published" and result["rounds"][0]["decision"]["feedback"] == "Ship it"
    published = Path(result["publication"]["location"])
    assert published.exists() and waiting["customStatus"]["draft"]["title"] in published.read_text()
    events = history(app_host, instance_id)
    deadline = {
        e["EventId"] for e in events if e["EventType"] == "TimerCreated" and at(e["FireAt"]) > at(e["Timestamp"])
    }
    fired = {e["TimerId"] for e in events if e["EventType"] == "TimerFired"}
    assert len(deadline) == 1 and not deadline & fired  # the decision won: the deadline never fired


def at(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def test_a_decision_is_409_while_drafting_and_while_revising(
    tmp_path: Path, smtp: SmtpServer, model: ScriptedModelServer
) -> None:
    """The writer's model calls are held until the decision sent meanwhile has been answered."""
    server = new_app_host(tmp_path, smtp.port, **scripted_settings(model.base_url, MODEL_TIMEOUT_SECONDS="60")).start()
    drafted, revised = threading.Event(), threading.Event()
    try:
        model.reset()
        model.fail("hang", agent=WRITER, until=drafted)
        instance_id = start_flow(server, "content", {"topic": "late reviews", "timeout_hours": 1})
        decide = f"/api/content/{instance_id}/decision"
        code, body = server.request("POST", decide, {"approved": True})
        assert code == 409 and body["error"].endswith("still drafting"), body
        drafted.set()
        server.wait_for(instance_id, ("Running",), predicate=awaiting_review)
        model.fail("hang", agent=WRITER, until=revised)
        code, body = server.request("POST", decide, {"approved": False, "feedback": "first"})
        assert (code, body["applied"], body["round"]) == (202, True, 1), body
        server.wait_for(instance_id, ("Running",), predicate=lambda s: s["customStatus"]["stage"] == "revising")
        code, body = server.request("POST", decide, {"approved": True, "feedback": "second"})
        assert code == 409 and body["error"].endswith("the draft is being revised after the last decision"), body
        assert body["round"] == 2
        revised.set()
        assert server.wait_for(instance_id, ("Running",), predicate=awaiting_review)["customStatus"]["round"] == 2
    finally:
        drafted.set()
        revised.set()
        server.stop()


def test_agent_calls_log_no_state_warnings(app_host: DevHost) -> None:
    app_host.wait_for(start_flow(app_host, "research", {"topic": "quiet logs"}))
    assert "created_at" not in app_host.log()


def test_each_agent_call_is_recorded_once(app_host: DevHost) -> None:
    for agent in ("SpamDetectionAgent", "TechnicalResearchAgent", "SummaryAgent", "ContentGenerationAgent"):
        requests = agent_requests(app_host, agent)
        assert requests and len(requests) == len(set(requests)), agent


def test_malformed_decision_raised_directly_is_ignored_and_the_review_goes_on(app_host: DevHost) -> None:
    instance_id = start_flow(app_host, "content", {"topic": "robust reviews", "timeout_hours": 1})
    app_host.wait_for(instance_id, ("Running",), predicate=awaiting_review)
    raw_event = f"/runtime/webhooks/durabletask/instances/{instance_id}/raiseEvent/ApprovalDecision"
    assert app_host.request("POST", raw_event, {"approved": "maybe"})[0] == 202
    waiting = app_host.wait_for(
        instance_id, ("Running",), predicate=lambda s: "malformed" in s["customStatus"].get("message", "")
    )
    assert waiting["customStatus"]["stage"] == "awaiting_approval"
    assert app_host.request("POST", f"/api/content/{instance_id}/decision", {"approved": True})[0] == 202
    assert app_host.wait_for(instance_id)["output"]["status"] == "published"
