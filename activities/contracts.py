"""What each activity takes and returns: one typed definition per request and per result that a flow reads.

The flow builds the request and the activity reads it; the activity builds the result and the flow reads it. Both
travel as JSON and are recorded in the orchestration history, and a flow that started before a deploy replays
against what it recorded: field names and shapes stay as they are (tests/app/test_activity_contracts.py pins them).
A side effect's request travels flat beside the `StepCall` that `orchestrations.activity_calls.call_step` adds.
Results keep fields they do not name (`extra="allow"`): the ledger's `idempotency_key` and `repeat`, the
transport's details; the flow passes them on in its output.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from agents.models import Article, SpamVerdict
from agents.screening import Screening
from orchestrations.inputs import EmailInput
from reviewing.protocol import DecisionEvent, DraftReference, Stage

IsoTime = Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json")]
"""A moment as `datetime.isoformat` writes it (`2026-05-04T09:30:00+00:00`), as the review mails' requests carry it."""


class StepCall(BaseModel):
    """Which call of a side effect this is: the orchestration instance, the step (the activity's name) and the key
    that every retry, re-run and replay of this call shares (see `activities.ledger`)."""

    model_config = ConfigDict(frozen=True)

    instance_id: str
    step: str
    idempotency_key: str


class ScreenEmail(BaseModel):
    """Request of screen_email: the spam flow's input, and its instance id (the email id of last resort)."""

    email: EmailInput
    instance_id: str


class Thread(BaseModel):
    """The original's place in its thread, which an automatic reply names (RFC 5322 section 3.6.4)."""

    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list[str])


class ReplyRoute(BaseModel):
    """Whether the spam flow may answer automatically, to whom and in which thread (`agents.auto_reply.plan_reply`)."""

    to: str | None
    """The one address to answer; None: the app's own mailbox."""
    not_answered: str | None
    """Why no automatic answer goes out, or None when one may."""
    subject: str | None
    in_reply_to: str | None
    references: list[str]

    @property
    def thread(self) -> Thread:
        return Thread(in_reply_to=self.in_reply_to, references=self.references)


class EmailReading(BaseModel):
    """Result of screen_email: the message read once, and the app's checks on it."""

    email_id: str
    text: str
    """The email as the agents are shown it."""
    screening: Screening
    reply: ReplyRoute


class HandleSpamEmail(BaseModel):
    """Request of handle_spam_email: the email to quarantine and the verdict its headers carry."""

    email: EmailInput
    email_id: str
    verdict: SpamVerdict


class Quarantine(BaseModel):
    """Result of handle_spam_email: where the message was quarantined, and why."""

    model_config = ConfigDict(extra="allow")

    action: str
    email_id: str
    location: str
    reason: str


class SendEmail(BaseModel):
    """Request of send_email: the drafted reply and where it goes."""

    to: str | None = None
    """The original's sender; None: the app's own mailbox."""
    subject: str
    body: str
    in_reply_to: str | None = None
    """The app's email id of the original."""
    thread: Thread | None = None
    """The original's thread: set, the mail is an automatic reply in it."""


class MailSent(BaseModel):
    """Result of every mail step (see `activities.mail.deliver`): the one recipient, as the To header names it."""

    model_config = ConfigDict(extra="allow")

    action: str
    to: str


class SaveDraft(BaseModel):
    """Request of save_draft: the article to store."""

    article: Article


class PublishContent(BaseModel):
    """Request of publish_content: the approved draft, who approved it and with what feedback."""

    topic: str
    draft: DraftReference
    reviewer: str | None = None
    feedback: str = ""


class Publication(BaseModel):
    """Result of publish_content: where the article was published."""

    model_config = ConfigDict(extra="allow")

    action: str
    title: str
    location: str


class ReviewMail(BaseModel):
    """What both review mails (notify_reviewer, escalate_for_review) say about the round under review."""

    topic: str
    draft: DraftReference
    round: int
    max_rounds: int
    feedback: list[str] = Field(default_factory=list[str])
    """Every earlier round's feedback, oldest first: the last one is what this draft answers."""
    deadline: IsoTime


class NotifyReviewer(ReviewMail):
    """Request of notify_reviewer."""

    to: str | None = None
    """The reviewer; None: the app's REVIEWER_EMAIL."""


class EscalateForReview(ReviewMail):
    """Request of escalate_for_review: the escalation contact (ESCALATION_EMAIL) decides instead, until `deadline`."""

    reviewer: str | None = None
    """The reviewer who let `missed_deadline` pass."""
    missed_deadline: IsoTime


class NotifyOutcome(BaseModel):
    """Request of notify_outcome: how the review ended, for one of the people involved."""

    to: str | None = None
    """The recipient; None: the app's REVIEWER_EMAIL."""
    outcome: Stage
    topic: str
    draft: DraftReference
    rounds: int
    location: str | None = None
    """Where the article was published, when it was."""


class VerifyDecision(BaseModel):
    """Request of verify_decision: an ApprovalDecision event as the flow received it."""

    event: DecisionEvent


class Verification(BaseModel):
    """Result of verify_decision."""

    verified: bool
