"""The flows' branch logic, stepped in-process with real offline agents and real activities."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from activities.steps import load_draft
from activities.storage import LocalFolderStore
from orchestrations.content_approval import content_approval_workflow
from orchestrations.research import research_orchestration
from orchestrations.spam_detection import spam_detection_orchestration
from tests.app.fakes import FakeContext, InProcessAgents, flow_context, run_flow

SPAM = {
    "content": "URGENT: you have won a prize! Verify your account at http://bit.ly/win within 24 hours!!!",
    "sender": "Prize Team <win@lotto-prizes.xyz>",
    "subject": "You are a WINNER",
}
HAM = {"content": "Hi, can we meet on Thursday to review the budget?", "sender": "Alice <alice@contoso.com>", "subject": "Budget"}


def test_spam_is_quarantined_and_not_answered(app_env: Path, agents: InProcessAgents) -> None:
    ctx = flow_context({**SPAM, "email_id": "mail-1"})
    result = run_flow(spam_detection_orchestration, ctx, agents)

    assert result["branch"] == "spam" and result["is_spam"] is True
    assert result["quarantine"]["action"] == "quarantined" and Path(result["quarantine"]["location"]).is_file()
    assert [name for name, _ in ctx.activity_calls] == ["screen_email", "handle_spam_email"]
    assert [name for name, _ in agents.prompts] == ["SpamDetectionAgent"]
    assert ctx.activity_calls[1][1]["instance_id"] == "instance-1"


def test_legitimate_mail_gets_a_reply_that_is_sent(app_env: Path, agents: InProcessAgents) -> None:
    ctx = flow_context(HAM)
    result = run_flow(spam_detection_orchestration, ctx, agents)

    assert result["branch"] == "legitimate" and result["email_id"] == "instance-1"
    assert result["reply"]["subject"] == "Re: Budget"
    assert result["delivery"]["to"] == "Alice <alice@contoso.com>" and Path(result["delivery"]["path"]).is_file()
    assert [name for name, _ in agents.prompts] == ["SpamDetectionAgent", "EmailAssistantAgent"]
    assert "From: Alice <alice@contoso.com>" in agents.prompts[1][1]


def test_bare_content_is_enough(app_env: Path, agents: InProcessAgents) -> None:
    result = run_flow(spam_detection_orchestration, flow_context({"content": "Lunch at noon tomorrow?"}), agents)
    assert result["branch"] == "legitimate"


def test_spam_flow_rejects_input_without_content(agents: InProcessAgents) -> None:
    with pytest.raises(ValidationError, match="content"):
        run_flow(spam_detection_orchestration, flow_context({"sender": "a@b.c"}), agents)


@pytest.mark.parametrize("flow_input", ["serverless agents", {"topic": "serverless agents"}])
def test_research_fans_out_to_three_agents_then_summarizes(agents: InProcessAgents, flow_input: object) -> None:
    result = run_flow(research_orchestration, flow_context(flow_input), agents)

    assert result["topic"] == "serverless agents"
    assert set(result["sections"]) == {"technical", "market", "competitor"}
    assert all(section["area"] == area for area, section in result["sections"].items())
    assert [name for name, _ in agents.prompts][-1] == "SummaryAgent"
    assert "Competitor research notes" in agents.prompts[-1][1]
    assert result["summary"]["headline"].startswith("serverless agents")


def test_content_waits_for_the_decision_and_publishes_when_approved(app_env: Path, agents: InProcessAgents) -> None:
    ctx = flow_context({"topic": "event sourcing", "reviewer": "rita@example.com", "timeout_hours": 2}, decision={"approved": True, "feedback": "Ship it"})
    result = run_flow(content_approval_workflow, ctx, agents)

    waiting = next(s for s in ctx.custom_statuses if s["stage"] == "awaiting_approval")
    assert waiting["draft"]["title"] == "Event sourcing" and waiting["reviewer"] == "rita@example.com"
    assert "body" not in waiting["draft"] and waiting["draft"]["excerpt"].startswith("# Event sourcing")
    assert "Waiting for ApprovalDecision" in waiting["message"]
    assert ctx.timers[0].fire_at == ctx.current_utc_datetime + timedelta(hours=2)
    assert ctx.timers[0].cancelled, "the timer must be cancelled when the decision wins"
    assert result["status"] == "published" and result["feedback"] == "Ship it"
    assert result["decision"] == {"approved": True, "feedback": "Ship it"}
    assert Path(result["publication"]["location"]).read_text().count("# Event sourcing") == 1
    assert [name for name, _ in ctx.activity_calls] == ["save_draft", "notify_reviewer", "publish_content"]


def stages(ctx: FakeContext) -> list[str]:
    return [status["stage"] for status in ctx.custom_statuses]


def test_once_decided_the_custom_status_leaves_awaiting_approval_and_names_the_decision(app_env: Path, agents: InProcessAgents) -> None:
    decision = {"approved": True, "feedback": "Ship it"}
    ctx = flow_context("event sourcing", decision=decision)
    run_flow(content_approval_workflow, ctx, agents)

    assert stages(ctx) == ["drafting", "notifying_reviewer", "awaiting_approval", "publishing", "published"]
    assert all(status["decision"] == decision for status in ctx.custom_statuses[3:])


def test_content_rejected_returns_the_feedback_and_a_revision(app_env: Path, agents: InProcessAgents) -> None:
    ctx = flow_context("event sourcing", decision={"approved": False, "feedback": "Add a diagram"})
    result = run_flow(content_approval_workflow, ctx, agents)

    assert result["status"] == "rejected" and result["feedback"] == "Add a diagram"
    assert result["decision"] == {"approved": False, "feedback": "Add a diagram"}
    assert stages(ctx)[-2:] == ["revising", "rejected"]
    revision = load_draft(LocalFolderStore(str(app_env)), result["revised_draft"])
    assert "Add a diagram" in revision["body"] and result["revised_draft"]["url"] != result["draft"]["url"]
    assert [name for name, _ in ctx.activity_calls] == ["save_draft", "notify_reviewer", "save_draft"]
    assert [name for name, _ in agents.prompts] == ["ContentGenerationAgent", "ContentGenerationAgent"]


def test_content_escalates_when_the_timer_wins(app_env: Path, agents: InProcessAgents) -> None:
    ctx = flow_context({"topic": "event sourcing", "timeout_hours": 0.0005})
    result = run_flow(content_approval_workflow, ctx, agents)

    assert result["status"] == "escalated" and "decision" not in result
    assert result["escalation"]["to"] == "editor-in-chief@example.com"
    assert stages(ctx)[-2:] == ["escalating", "escalated"]
    assert not ctx.timers[0].cancelled
    assert [name for name, _ in ctx.activity_calls] == ["save_draft", "notify_reviewer", "escalate_for_review"]


@pytest.mark.parametrize("bad", [{"topic": "x", "timeout_hours": 0}, {"topic": "x", "timeout_hours": 169}, {"topic": ""}])
def test_content_rejects_bad_timeouts_and_empty_topics(agents: InProcessAgents, bad: object) -> None:
    with pytest.raises(ValidationError):
        run_flow(content_approval_workflow, flow_context(bad), agents)
