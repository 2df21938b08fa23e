"""The flows' branch logic, stepped in-process with real offline agents and real activities."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from activities.side_effects import load_draft
from activities.storage import LocalFolderStore
from orchestrations.content_approval import content_approval_workflow
from orchestrations.flow_names import CONTENT_FLOW, RESEARCH_FLOW, SPAM_FLOW
from orchestrations.inputs import InvalidInput
from orchestrations.research import research_orchestration
from orchestrations.spam_detection import spam_detection_orchestration
from reviewing.protocol import Decider, DraftReference, Role
from tests.app.fakes import RITA, FakeContext, InProcessAgents, flow_context, run_flow, signed

SPAM = {
    "content": "URGENT: you have won a prize! Verify your account at http://bit.ly/win within 24 hours!!!",
    "sender": "Prize Team <win@lotto-prizes.xyz>",
    "subject": "You are a WINNER",
}
HAM = {
    "content": "Hi, can we meet on Thursday to review the budget?",
    "sender": "Alice <alice@contoso.com>",
    "subject": "Budget",
}


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
    with pytest.raises(
        InvalidInput, match=r"^Invalid input for this flow: body: give the email as `content` .* `raw`$"
    ):
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


APPROVE, REJECT = {"approved": True, "feedback": "Ship it"}, {"approved": False, "feedback": "Add a diagram"}


def stages(ctx: FakeContext) -> list[str]:
    return [status["stage"] for status in ctx.custom_statuses]


def steps(ctx: FakeContext) -> list[str]:
    return [name for name, _ in ctx.activity_calls]


def test_content_waits_for_the_decision_and_publishes_when_approved(app_env: Path, agents: InProcessAgents) -> None:
    ctx = flow_context(
        {"topic": "event sourcing", "reviewer": "rita@example.com", "timeout_hours": 2}, decisions=[signed(APPROVE, 1)]
    )
    result = run_flow(content_approval_workflow, ctx, agents)

    waiting = next(s for s in ctx.custom_statuses if s["stage"] == "awaiting_approval")
    assert waiting["draft"]["title"] == "Event sourcing" and waiting["reviewer"] == "rita@example.com"
    assert (waiting["round"], waiting["max_rounds"], waiting["awaiting"]) == (1, 3, "ApprovalDecision")
    assert "body" not in waiting["draft"] and waiting["draft"]["excerpt"].startswith("# Event sourcing")
    assert ctx.deadlines[0].fire_at == ctx.current_utc_datetime + timedelta(hours=2)
    assert ctx.deadlines[0].cancelled, "the timer must be cancelled when the decision wins"
    assert result["status"] == "published" and len(result["rounds"]) == 1
    assert result["rounds"][0]["decision"] == {
        **APPROVE,
        "round": 1,
        "decided_by": RITA.model_dump(),
        "decision_id": "d1",
    }
    publication = Path(result["publication"]["location"]).read_text()
    assert publication.count("# Event sourcing") == 1 and '"approved_by": "reviewer rita@example.com"' in publication
    assert steps(ctx) == ["save_draft", "notify_reviewer", "verify_decision", "publish_content", "notify_outcome"]
    assert stages(ctx) == ["drafting", "notifying_reviewer", "awaiting_approval", "publishing", "published"]


def test_a_rejection_is_revised_in_the_same_conversation_and_reviewed_again(
    app_env: Path, agents: InProcessAgents
) -> None:
    ctx = flow_context("event sourcing", decisions=[signed(REJECT, 1), signed(APPROVE, 2)])
    result = run_flow(content_approval_workflow, ctx, agents)

    assert result["status"] == "published" and [r["round"] for r in result["rounds"]] == [1, 2]
    assert [r["decision"]["approved"] for r in result["rounds"]] == [False, True]
    first, second = (r["draft"] for r in result["rounds"])
    assert (
        "Add a diagram" in load_draft(LocalFolderStore(str(app_env)), DraftReference.model_validate(second))["body"]
        and first["url"] != second["url"]
    )
    notices = [request for name, request in ctx.activity_calls if name == "notify_reviewer"]
    assert [(n["round"], n["feedback"]) for n in notices] == [(1, []), (2, ["Add a diagram"])]
    assert [name for name, _ in agents.prompts] == ["ContentGenerationAgent", "ContentGenerationAgent"]
    last = ctx.custom_statuses[-1]
    assert last["round"] == 2 and [d["approved"] for d in last["decisions"]] == [False, True]
    second_round = next(s for s in ctx.custom_statuses if s["stage"] == "awaiting_approval" and s["round"] == 2)
    assert second_round["draft"] == second and second_round["previous_draft"]["url"] == first["url"]
    assert second_round["last_feedback"] == "Add a diagram"


def test_every_round_rejected_ends_rejected_and_tells_the_reviewer(app_env: Path, agents: InProcessAgents) -> None:
    ctx = flow_context(
        {"topic": "event sourcing", "max_review_rounds": 2}, decisions=[signed(REJECT, 1), signed(REJECT, 2)]
    )
    result = run_flow(content_approval_workflow, ctx, agents)

    assert result["status"] == "rejected" and len(result["rounds"]) == 2 and "publication" not in result
    assert steps(ctx) == [
        "save_draft",
        "notify_reviewer",
        "verify_decision",
        "save_draft",
        "notify_reviewer",
        "verify_decision",
        "notify_outcome",
    ]
    [outcome] = [request for name, request in ctx.activity_calls if name == "notify_outcome"]
    assert (outcome["outcome"], outcome["to"], outcome["rounds"]) == ("rejected", "reviewer@example.com", 2)


def test_a_missed_deadline_escalates_and_the_escalation_contact_decides(app_env: Path, agents: InProcessAgents) -> None:
    ctx = flow_context(
        {"topic": "event sourcing", "timeout_hours": 1, "escalation_timeout_hours": 4},
        decisions=[None, signed(APPROVE, 1, Decider(role=Role.ESCALATION_CONTACT, address="boss@x.io"))],
    )
    result = run_flow(content_approval_workflow, ctx, agents)

    assert result["status"] == "published"
    assert result["rounds"][0]["decision"]["decided_by"] == {"role": "escalation contact", "address": "boss@x.io"}
    assert ctx.custom_statuses[-1]["escalation_contact"] == "editor-in-chief@example.com"
    assert stages(ctx)[:6] == [
        "drafting",
        "notifying_reviewer",
        "awaiting_approval",
        "escalating",
        "escalated",
        "publishing",
    ]
    escalated = next(s for s in ctx.custom_statuses if s["stage"] == "escalated")
    assert escalated["awaiting"] == "ApprovalDecision" and escalated["deadline"] == "2026-01-01T16:00:00Z"
    assert (
        [t.fire_at.hour for t in ctx.deadlines] == [13, 16]
        and not ctx.deadlines[0].cancelled
        and ctx.deadlines[1].cancelled
    )


def test_two_missed_deadlines_expire_the_review_and_tell_both_contacts(app_env: Path, agents: InProcessAgents) -> None:
    ctx = flow_context({"topic": "event sourcing", "reviewer": "rita@example.com"})
    result = run_flow(content_approval_workflow, ctx, agents)

    assert result["status"] == "expired" and result["rounds"][0]["decision"] is None
    assert steps(ctx) == ["save_draft", "notify_reviewer", "escalate_for_review", "notify_outcome", "notify_outcome"]
    told = [(r["to"], r["outcome"]) for name, r in ctx.activity_calls if name == "notify_outcome"]
    assert told == [("rita@example.com", "expired"), ("editor-in-chief@example.com", "expired")]
    assert stages(ctx)[-1] == "expired"


@pytest.mark.parametrize(
    "event",
    [
        {**APPROVE, "round": 1, "decision_id": "raw", "decided_by": {"role": "reviewer", "address": "ceo@x.io"}},
        {**signed(APPROVE, 1), "decided_by": {"role": "reviewer", "address": "ceo@x.io"}},
        {**signed(APPROVE, 1), "feedback": "changed on the way"},
        {**signed(APPROVE, 1), "approved": False},
    ],
    ids=["unsigned", "identity changed", "feedback changed", "decision changed"],
)
def test_a_decision_the_app_did_not_sign_as_it_is_never_counts(
    app_env: Path, agents: InProcessAgents, event: Any
) -> None:
    ctx = flow_context({"topic": "event sourcing", "max_review_rounds": 1}, decisions=[event, None])
    result = run_flow(content_approval_workflow, ctx, agents)

    assert result["status"] == "expired" and result["rounds"][0]["decision"] is None
    assert any("did not sign" in (s.get("message") or "") for s in ctx.custom_statuses)


def test_each_flow_is_an_orchestration_trigger_under_the_name_its_routes_start(app_functions: list[Any]) -> None:
    orchestrators = {f.get_function_name() for f in app_functions if f.get_trigger().type == "orchestrationTrigger"}
    assert orchestrators == {SPAM_FLOW, RESEARCH_FLOW, CONTENT_FLOW}


@pytest.mark.parametrize(
    "bad",
    [
        {"topic": "x", "timeout_hours": 0},
        {"topic": "x", "timeout_hours": 673},
        {"topic": ""},
        {"topic": "x", "max_review_rounds": 0},
        {"topic": "x", "max_review_rounds": 11},
        {"topic": "x", "escalation_timeout_hours": 0},
    ],
)
def test_content_rejects_bad_timeouts_and_empty_topics(agents: InProcessAgents, bad: object) -> None:
    with pytest.raises(InvalidInput):
        run_flow(content_approval_workflow, flow_context(bad), agents)
