"""One review round of the content flow: mail the reviewer, wait for a decision, escalate, wait again.

The custom status (`reviewing.protocol.ReviewStatus`) says where the round is, with everything the decision
route and the review page need: the stage, the round, who decides, until when, the draft's reference and
the decisions made so far (each with the id its sender gave it, so the sender can tell that this very
decision was applied). A decision counts only when its signature verifies: the decision route and the
review page sign what they raise; identity fields in an event raised any other way are never believed.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df
from pydantic import ValidationError

from activities.contracts import EscalateForReview, MailSent, NotifyReviewer, Verification, VerifyDecision
from activities.side_effects import shorten
from orchestrations.activity_calls import StepGaveUp, call_step
from orchestrations.inputs import ContentInput, problems
from reviewing.protocol import (
    APPROVAL_EVENT,
    Decider,
    DecisionEvent,
    DecisionRecord,
    DraftReference,
    ReviewStatus,
    Role,
    Stage,
    utc,
    utc_iso,
)

FEEDBACK_IN_STATUS = 280
"""The custom status shows the start of each feedback (the output has all of it): the status must stay under 16 KB."""


@dataclass
class Decision:
    """A decision applied to one round: by whom, and the id its sender gave it."""

    round: int
    approved: bool
    feedback: str
    decided_by: Decider
    decision_id: str | None = None

    def record(self) -> DecisionRecord:
        """For the custom status: everything but the feedback, which the output keeps whole."""
        return DecisionRecord(
            round=self.round, approved=self.approved, decided_by=self.decided_by, decision_id=self.decision_id
        )

    def output(self) -> dict[str, Any]:
        return {**self.record().model_dump(mode="json"), "feedback": self.feedback}


def _slim(draft: DraftReference) -> DraftReference:
    """The previous round's draft as the status keeps it: where it is stored, without excerpt or figures."""
    return DraftReference(title=draft.title, name=draft.name, location=draft.location, url=draft.url)


DEADLINE = object()
"""What `DecisionInbox.next` answers when the deadline fired first: no event payload can be this object."""


class DecisionInbox:
    """The ApprovalDecision events of one flow, received through one wait that is always open.

    The Python SDK (azure-functions-durable 1.7.0) mishandles external events in two ways a review
    would hit: an event that arrives while no wait for it is open is kept and handed to every later
    wait again (Azure/azure-functions-durable-python#507), and a wait left behind when its timer won
    still takes the next event, which no later wait then sees. So the flow opens one wait when it
    starts, keeps it through deadlines and escalation, and opens the next one as soon as it takes an
    event: every event lands in an open wait, exactly once. (Events buffer as in Durable Functions: one
    raised while a draft is written is read when the review waits.)
    """

    def __init__(self, context: df.DurableOrchestrationContext) -> None:
        self.context = context
        self.wait: Any = None

    def open(self) -> Generator[Any, Any, None]:
        """Open the next wait now: a timer that is already due lets the SDK register it without blocking."""
        self.wait = self.context.wait_for_external_event(APPROVAL_EVENT)
        yield self.context.task_any([self.wait, self.context.create_timer(self.context.current_utc_datetime)])

    def next(self, deadline_timer: Any) -> Generator[Any, Any, Any]:
        """The next event's payload, or DEADLINE when the deadline timer fires first (the wait then stays open).

        An event's payload may itself be None (an event raised with a `null` body): only DEADLINE is the deadline.
        """
        winner = yield self.context.task_any([self.wait, deadline_timer])
        if winner is not self.wait:
            return DEADLINE
        payload = self.wait.result
        yield from self.open()
        return payload


@dataclass
class Review:
    """The review of one content flow: its request, the reviewer, the drafts and the decisions so far."""

    context: df.DurableOrchestrationContext
    request: ContentInput
    reviewer: str | None = None
    escalation_contact: str | None = None
    decisions: list[Decision] = field(default_factory=list[Decision])
    drafts: list[DraftReference] = field(default_factory=list[DraftReference])
    inbox: DecisionInbox = field(init=False)

    def __post_init__(self) -> None:
        self.inbox = DecisionInbox(self.context)

    def listen(self) -> Generator[Any, Any, None]:
        """Start receiving decisions: call once, when the flow starts (see DecisionInbox)."""
        yield from self.inbox.open()

    def stage(self, stage: Stage, round_number: int, **details: Any) -> None:
        """Publish the stage with the round, the drafts, the decisions so far and their feedback."""
        reviewed = self.drafts[:round_number]  # while a revision is written, the draft it revises is the last one
        status = ReviewStatus(
            stage=stage,
            topic=shorten(self.request.topic, 200),
            round=round_number,
            max_rounds=self.request.max_review_rounds,
            reviewer=self.reviewer,
            escalation_contact=self.escalation_contact,
            decisions=[d.record() for d in self.decisions],
            last_feedback=shorten(self.decisions[-1].feedback, FEEDBACK_IN_STATUS) if self.decisions else None,
            draft=reviewed[-1] if reviewed else None,
            previous_draft=_slim(reviewed[-2]) if len(reviewed) == round_number > 1 else None,
            **details,
        )
        self.context.set_custom_status(status.as_custom_status())

    def round(self, number: int, draft: DraftReference) -> Generator[Any, Any, Decision | None]:
        """Review `draft` as round `number`: the decision, or None when reviewer and escalation contact both let
        their deadline pass."""
        context, request = self.context, self.request
        self.drafts.append(draft)
        deadline = utc(context.current_utc_datetime) + timedelta(hours=request.timeout_hours)
        self.stage(Stage.NOTIFYING_REVIEWER, number, deadline=deadline)  # the review page checks a link against it
        mail = NotifyReviewer(
            topic=request.topic,
            draft=draft,
            round=number,
            max_rounds=request.max_review_rounds,
            feedback=[d.feedback for d in self.decisions],
            to=self.reviewer or request.reviewer,
            deadline=deadline,
        )
        notice = yield from call_step(context, "notify_reviewer", mail, MailSent)
        self.reviewer = notice.to
        decision = yield from self._wait(number, Stage.AWAITING_APPROVAL, deadline)
        if decision is not None:
            return decision

        escalation_deadline = utc(context.current_utc_datetime) + timedelta(hours=request.escalation_timeout_hours)
        self.stage(Stage.ESCALATING, number, missed_deadline=deadline, deadline=escalation_deadline)
        overdue = EscalateForReview(
            topic=mail.topic,
            draft=draft,
            round=number,
            max_rounds=mail.max_rounds,
            feedback=mail.feedback,
            reviewer=self.reviewer,
            missed_deadline=deadline,
            deadline=escalation_deadline,
        )
        escalation = yield from call_step(context, "escalate_for_review", overdue, MailSent)
        self.escalation_contact = escalation.to
        return (yield from self._wait(number, Stage.ESCALATED, escalation_deadline))

    def _wait(self, number: int, stage: Stage, deadline: datetime) -> Generator[Any, Any, Decision | None]:
        """Wait for a verified ApprovalDecision for this round or the deadline, whichever comes first; an event that
        is malformed, unsigned, forged or meant for another round is noted and ignored."""
        context = self.context
        message = f"Waiting for {APPROVAL_EVENT} until {utc_iso(deadline)}."  # as the deadline field reads
        timer = context.create_timer(deadline.replace(tzinfo=None))
        while True:
            self.stage(stage, number, awaiting=APPROVAL_EVENT, deadline=deadline, message=message)
            payload = yield from self.inbox.next(timer)
            if payload is DEADLINE:
                return None
            try:
                received = DecisionEvent.model_validate(payload)
            except ValidationError as error:
                # A malformed event (raised around the validating HTTP route) must not end the review.
                first = problems(error, whole="the event")[0]
                message = f"Ignored a malformed {APPROVAL_EVENT}: {first['field']}: {first['message']}; still waiting."
                continue
            if received.round is not None and received.round != number:
                # A second decision on an earlier round, queued while that round was decided: it is not about this draft.
                message = f"Ignored an {APPROVAL_EVENT} meant for round {received.round}; still waiting."
                continue
            if not (yield from self._verified(received)):
                message = (
                    f"Ignored an {APPROVAL_EVENT} that the decision route or a review link did not sign; still waiting."
                )
                continue
            if not timer.is_completed:
                # The deadline may have fired meanwhile: the decision came first, it counts.
                timer.cancel()
            by = received.decided_by or Decider(role=Role.AUTOMATION)
            decision = Decision(number, received.approved, received.feedback, by, received.decision_id)
            self.decisions.append(decision)
            return decision

    def _verified(self, event: DecisionEvent) -> Generator[Any, Any, bool]:
        """Whether the event's signature verifies: checked by an activity, so that its answer is recorded in the
        history and a replay after a key rotation decides the same way."""
        if not event.signature:
            return False
        try:
            verdict = yield from call_step(self.context, "verify_decision", VerifyDecision(event=event), Verification)
        except StepGaveUp:
            return False
        return verdict.verified
