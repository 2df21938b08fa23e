"""One review round of the content flow: mail the reviewer, wait for a decision, escalate, wait again.

The custom status says where the round is, with everything the decision route and a reviewer's
page need: the stage, the round, who decides, until when, the draft's reference and the
decisions made so far (each with the id the decision route gave it, so the route can tell its
caller that this very decision was applied). It stays well under the 16 KB the Durable
extension allows: drafts travel as references, feedback is cut short.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df
from pydantic import ValidationError

from activities.steps import shorten
from orchestrations.inputs import APPROVAL_EVENT, ContentInput, DecisionEvent, problems
from orchestrations.steps import call_step, set_stage, utc_iso

NOTIFYING_REVIEWER = "notifying_reviewer"
AWAITING_APPROVAL = "awaiting_approval"
ESCALATING = "escalating"
ESCALATED = "escalated"
DECIDING = (AWAITING_APPROVAL, ESCALATING, ESCALATED)
"""The stages in which a decision sent now will be applied to the current round."""
FEEDBACK_IN_STATUS = 280
"""The custom status shows the start of each feedback (the output has all of it): the status must stay under 16 KB."""


REVIEWER = "reviewer"
ESCALATION_CONTACT = "escalation contact"


@dataclass
class Decision:
    """A decision applied to one round: by whom (REVIEWER or ESCALATION_CONTACT), and the id the route gave it."""

    round: int
    approved: bool
    feedback: str
    decided_by: str
    decision_id: str | None = None

    def shown(self) -> dict[str, Any]:
        """For the custom status: everything but the feedback, which the output keeps whole."""
        return {key: value for key, value in asdict(self).items() if key != "feedback"}


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
        """The next event's payload, or None when the deadline timer fires first (the wait then stays open)."""
        winner = yield self.context.task_any([self.wait, deadline_timer])
        if winner is not self.wait:
            return None
        payload = self.wait.result
        yield from self.open()
        return payload


@dataclass
class Review:
    """The review of one content flow: its request, the reviewer, and the decisions so far."""

    context: df.DurableOrchestrationContext
    request: ContentInput
    reviewer: str | None = None
    escalation_contact: str | None = None
    decisions: list[Decision] = field(default_factory=list)
    inbox: DecisionInbox = field(init=False)

    def __post_init__(self) -> None:
        self.inbox = DecisionInbox(self.context)

    def listen(self) -> Generator[Any, Any, None]:
        """Start receiving decisions: call once, when the flow starts (see DecisionInbox)."""
        yield from self.inbox.open()

    def stage(self, stage: str, round_number: int, **details: Any) -> None:
        """Publish the stage with the round, the decisions so far and the last feedback."""
        last = {"last_feedback": shorten(self.decisions[-1].feedback, FEEDBACK_IN_STATUS)} if self.decisions else {}
        set_stage(
            self.context, stage, topic=shorten(self.request.topic, 200), round=round_number,
            max_rounds=self.request.max_review_rounds, reviewer=self.reviewer,
            escalation_contact=self.escalation_contact, decisions=[d.shown() for d in self.decisions], **last, **details,
        )

    def round(self, number: int, draft: dict[str, Any]) -> Generator[Any, Any, Decision | None]:
        """Review `draft` as round `number`: the decision, or None when reviewer and escalation contact both let
        their deadline pass."""
        context, request = self.context, self.request
        deadline = context.current_utc_datetime + timedelta(hours=request.timeout_hours)
        self.stage(NOTIFYING_REVIEWER, number, draft=draft)
        notice = yield from call_step(
            context, "notify_reviewer", reviewer=self.reviewer or request.reviewer, topic=request.topic, draft=draft,
            deadline=utc_iso(deadline), round=number, max_rounds=request.max_review_rounds,
            previous_feedback=self.decisions[-1].feedback if self.decisions else None,
        )
        self.reviewer = notice["to"]
        decision = yield from self._wait(number, AWAITING_APPROVAL, deadline, draft, decided_by=REVIEWER)
        if decision is not None:
            return decision

        self.stage(ESCALATING, number, draft=draft, missed_deadline=utc_iso(deadline))
        escalation_deadline = context.current_utc_datetime + timedelta(hours=request.escalation_timeout_hours)
        escalation = yield from call_step(
            context, "escalate_for_review", topic=request.topic, reviewer=self.reviewer, draft=draft, round=number,
            max_rounds=request.max_review_rounds, missed_deadline=utc_iso(deadline), deadline=utc_iso(escalation_deadline),
        )
        self.escalation_contact = escalation["to"]
        return (yield from self._wait(number, ESCALATED, escalation_deadline, draft, decided_by=ESCALATION_CONTACT))

    def _wait(
        self, number: int, stage: str, deadline: datetime, draft: dict[str, Any], decided_by: str
    ) -> Generator[Any, Any, Decision | None]:
        """Wait for ApprovalDecision or the deadline, whichever comes first; a malformed event, or one the decision
        route sent for an earlier round, is noted and ignored."""
        context = self.context
        message = f"Waiting for {APPROVAL_EVENT} until {utc_iso(deadline)}."
        timer = context.create_timer(deadline)
        while True:
            self.stage(stage, number, awaiting=APPROVAL_EVENT, deadline=utc_iso(deadline), draft=draft, message=message)
            payload = yield from self.inbox.next(timer)
            if payload is None:
                return None
            try:
                received = DecisionEvent.model_validate(payload)
            except ValidationError as error:
                # A malformed event (raised around the validating HTTP route) must not end the review.
                first = problems(error, whole="the event")[0]
                message = f"Ignored a malformed {APPROVAL_EVENT}: {first['field']}: {first['message']}; still waiting."
                continue
            if received.round not in (None, number):
                # A second decision on an earlier round, queued while that round was decided: it is not about this draft.
                message = f"Ignored an {APPROVAL_EVENT} meant for round {received.round}; still waiting."
                continue
            if not timer.is_completed:
                # The deadline may have fired in the episode that reopened the wait: the decision came first, it counts.
                timer.cancel()
            by = received.decided_by or decided_by
            decision = Decision(number, received.approved, received.feedback, by, received.decision_id)
            self.decisions.append(decision)
            return decision
