"""Human-in-the-loop flow: draft, then review rounds until the draft is published, rejected or the review expires.

Each round mails the draft to the reviewer and waits for ApprovalDecision or the deadline. Approved:
published. Rejected: ContentGenerationAgent revises it in the same conversation, with the
feedback (a fresh one carrying the draft once that conversation would outgrow an agent session:
orchestrations/writer_sessions.py), and the revision goes to the reviewer as the next round. A missed deadline escalates:
the escalation contact may decide instead, until a second deadline, after which the review expires.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import azure.durable_functions as df

from activities.contracts import MailSent, NotifyOutcome, Publication, PublishContent, SaveDraft
from agent_app import app
from agents.catalog import CONTENT_GENERATION
from agents.models import Article
from orchestrations.activity_calls import StepGaveUp, call_step
from orchestrations.agent_calls import AgentCalls
from orchestrations.inputs import ContentInput, read_input
from orchestrations.review_rounds import Decision, Review
from orchestrations.writer_sessions import WriterConversation
from reviewing.protocol import DraftReference, Role, Stage
from settings import app_settings


@app.orchestration_trigger(context_name="context")
def content_approval_workflow(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    """Input: a topic string or {"topic", "reviewer"?, "timeout_hours"?, "escalation_timeout_hours"?,
    "max_review_rounds"?}. Output `status`: "published", "rejected" (every round rejected) or "expired",
    with every round's draft reference and decision. Drafts are stored (`save_draft`); the custom status,
    the other steps and the output carry their references (title, size, excerpt, url), never the text.
    """
    # The app's shortest deadline is checked in the first episode only: a flow that started keeps its deadlines when
    # REVIEW_MIN_DEADLINE_SECONDS changes later (on replay, as on the HTTP route, the longest is always checked).
    request = read_input(ContentInput, context.get_input(), None if context.is_replaying else app_settings().review)
    # One conversation (each revision answers the feedback on the previous draft), renewed when it grows too large.
    writer = WriterConversation(
        AgentCalls(context, app_settings().model.retry), app.get_agent(context, CONTENT_GENERATION), request.topic
    )
    review = Review(context, request)
    rounds: list[ReviewedDraft] = []

    yield from review.listen()  # every ApprovalDecision from now on lands in an open wait
    review.stage(Stage.DRAFTING, 1)
    article = yield from writer.draft()
    for number in range(1, request.max_review_rounds + 1):
        draft = yield from call_step(
            context, "save_draft", SaveDraft(article=Article.model_validate(article)), DraftReference
        )
        decision = yield from review.round(number, draft)
        rounds.append(ReviewedDraft(number, draft, decision))
        if decision is None:
            return (yield from finish(context, review, Stage.EXPIRED, rounds))
        if decision.approved:
            review.stage(Stage.PUBLISHING, number)
            approved = PublishContent(
                topic=request.topic, draft=draft, reviewer=str(decision.decided_by), feedback=decision.feedback
            )
            publication = yield from call_step(context, "publish_content", approved, Publication)
            return (yield from finish(context, review, Stage.PUBLISHED, rounds, publication))
        if number == request.max_review_rounds:
            break
        review.stage(Stage.REVISING, number + 1)
        article = yield from writer.revise(article, decision.feedback)
    return (yield from finish(context, review, Stage.REJECTED, rounds))


def finish(
    context: df.DurableOrchestrationContext,
    review: Review,
    status: Stage,
    rounds: list[ReviewedDraft],
    publication: Publication | None = None,
) -> Generator[Any, Any, dict[str, Any]]:
    """Tell the reviewer how it ended, and the escalation contact when it went to them (they decided the last round,
    or the review expired in their hands); the flow's output.

    The review has ended whatever happens to these notices: one that cannot be delivered is reported in the
    output's `notices`, not as a failed flow (an article published stays published).
    """
    last = rounds[-1]
    escalated = status == Stage.EXPIRED or (last.decision and last.decision.decided_by.role == Role.ESCALATION_CONTACT)
    recipients = [review.reviewer, *([review.escalation_contact] if escalated else [])]
    location = publication.location if publication else None
    notices: list[dict[str, Any]] = []
    for to in recipients:
        outcome = NotifyOutcome(
            to=to, outcome=status, topic=review.request.topic, draft=last.draft, rounds=len(rounds), location=location
        )
        try:
            notice = yield from call_step(context, "notify_outcome", outcome, MailSent)
            notices.append({"to": notice.to, "sent": True})
        except StepGaveUp as failed:
            notices.append({"to": to, "sent": False, "error": str(failed)})
    review.stage(status, last.round, location=location)
    return {
        "status": str(status),
        "topic": review.request.topic,
        "reviewer": review.reviewer,
        "draft": last.draft.model_dump(mode="json"),
        "rounds": [reviewed.output() for reviewed in rounds],
        "notices": notices,
        **({"publication": publication.model_dump(mode="json")} if publication else {}),
    }


@dataclass(frozen=True)
class ReviewedDraft:
    """One round of the review: its draft, and the decision on it (None: both deadlines passed)."""

    round: int
    draft: DraftReference
    decision: Decision | None

    def output(self) -> dict[str, Any]:
        """As the flow's output lists it."""
        return {
            "round": self.round,
            "draft": self.draft.model_dump(mode="json"),
            "decision": self.decision.output() if self.decision else None,
        }
