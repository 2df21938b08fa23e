"""Human-in-the-loop flow: draft, ask a reviewer, then publish, revise or escalate."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df
from pydantic import ValidationError

from activities.steps import shorten
from agents.catalog import CONTENT_GENERATION
from orchestrations.agent_calls import Agents
from orchestrations.inputs import APPROVAL_EVENT, ApprovalDecision, ContentInput
from orchestrations.steps import call_step, set_stage, utc_iso

DRAFTING = "drafting"
NOTIFYING_REVIEWER = "notifying_reviewer"
AWAITING_APPROVAL = "awaiting_approval"
"""The only stage in which a decision is awaited; before it the draft is written, after it one was applied."""
FEEDBACK_IN_STATUS = 280
"""The custom status shows the start of the feedback (the output has all of it): the status must stay under 16 KB."""


def content_approval_workflow(
    context: df.DurableOrchestrationContext, agents: Agents
) -> Generator[Any, Any, dict[str, Any]]:
    """Input: a topic string or {"topic", "reviewer"?, "timeout_hours"?}.

    Waits for the ApprovalDecision event ({"approved", "feedback"}) or the timeout, whichever
    comes first. Output `status` is "published", "rejected" (with feedback and a revised
    draft) or "escalated"; after a decision, the output and custom status carry the `decision`
    that was applied. Drafts are stored (`save_draft`); the custom status, the other steps and the
    output carry the stored draft's reference (title, size, excerpt, url), never the whole text.
    """
    request = ContentInput.model_validate(context.get_input())
    session = agents.new_session(CONTENT_GENERATION)

    set_stage(context, DRAFTING, topic=request.topic)
    draft = yield from agents.ask(CONTENT_GENERATION, f"Topic: {request.topic}\n\nWrite the article.", session)
    saved = yield from call_step(context, "save_draft", article=draft)

    deadline = context.current_utc_datetime + timedelta(hours=request.timeout_hours)
    set_stage(context, NOTIFYING_REVIEWER, draft=saved)
    notice = yield from call_step(
        context,
        "notify_reviewer",
        reviewer=request.reviewer,
        topic=request.topic,
        draft=saved,
        deadline=utc_iso(deadline),
        decision_event=APPROVAL_EVENT,
    )
    reviewer = notice["to"]
    set_stage(
        context,
        AWAITING_APPROVAL,
        message=f"Waiting for {APPROVAL_EVENT} from {reviewer} until {utc_iso(deadline)}; "
        "after that the draft is escalated.",
        reviewer=reviewer,
        deadline=utc_iso(deadline),
        draft=saved,
    )
    timer = context.create_timer(deadline)
    decision = None
    while decision is None:
        decision_task = context.wait_for_external_event(APPROVAL_EVENT)
        winner = yield context.task_any([decision_task, timer])
        if winner is not decision_task:
            break
        try:
            decision = ApprovalDecision.model_validate(decision_task.result)
        except ValidationError as error:
            # A malformed event (raised around the validating HTTP route) must not end the review.
            set_stage(context, AWAITING_APPROVAL, reviewer=reviewer, deadline=utc_iso(deadline), draft=saved,
                      message=f"Ignored a malformed {APPROVAL_EVENT}: {error.errors()[0]['msg']}; still waiting.")
    outcome = {"topic": request.topic, "reviewer": reviewer, "draft": saved}

    if decision is None:
        set_stage(context, "escalating", reviewer=reviewer, draft=saved)
        escalation = yield from call_step(
            context, "escalate_for_review", topic=request.topic, reviewer=reviewer, draft=saved,
            waited_hours=request.timeout_hours,
        )
        set_stage(context, "escalated", reviewer=reviewer, draft=saved)
        return {**outcome, "status": "escalated", "escalation": escalation}

    timer.cancel()
    applied = decision.model_dump()
    outcome["decision"] = applied
    shown = {**applied, "feedback": shorten(decision.feedback, FEEDBACK_IN_STATUS)}
    if decision.approved:
        set_stage(context, "publishing", decision=shown, draft=saved)
        publication = yield from call_step(
            context, "publish_content", topic=request.topic, draft=saved, reviewer=reviewer, feedback=decision.feedback
        )
        set_stage(context, "published", decision=shown, draft=saved, location=publication["location"])
        return {**outcome, "status": "published", "feedback": decision.feedback, "publication": publication}

    set_stage(context, "revising", decision=shown, draft=saved)
    feedback = decision.feedback or "(no feedback given)"
    revised = yield from agents.ask(
        CONTENT_GENERATION, f"Reviewer feedback: {feedback}\n\nRevise your draft to address this feedback.", session
    )
    revision = yield from call_step(context, "save_draft", article=revised)
    set_stage(context, "rejected", decision=shown, draft=saved, revised_draft=revision)
    return {**outcome, "status": "rejected", "feedback": decision.feedback, "revised_draft": revision}
