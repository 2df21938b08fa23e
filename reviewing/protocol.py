"""One typed definition of the content flow's review: its stages, who decides, its custom status and its event.

The orchestrator writes `ReviewStatus` as its custom status; the decision route, the MCP tool and the
review page read it back with `ReviewStatus.read`. `DecisionEvent` is what the flow receives as
`APPROVAL_EVENT`; it counts only when its signature verifies (see `reviewing.signing`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StringConstraints,
    ValidationError,
)

from agents.session_limits import stored_within

APPROVAL_EVENT = "ApprovalDecision"
MAX_FEEDBACK = 5_000
MAX_FEEDBACK_BYTES = 10_000
"""Feedback as the writer's conversation stores it (JSON: 6 bytes for a non-ASCII character): each rejection adds it
to the writer's session, which may hold 1 MiB in all (orchestrations/writer_sessions.py)."""


Feedback = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_FEEDBACK),
    AfterValidator(stored_within(MAX_FEEDBACK_BYTES)),
]
"""Feedback a reviewer may send (the decision route, the MCP tool, the review page)."""


class Stage(StrEnum):
    """Where a content flow is, in the order a review goes through them."""

    DRAFTING = "drafting"
    NOTIFYING_REVIEWER = "notifying_reviewer"
    AWAITING_APPROVAL = "awaiting_approval"
    ESCALATING = "escalating"
    ESCALATED = "escalated"
    REVISING = "revising"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    REJECTED = "rejected"
    EXPIRED = "expired"


DECIDING = frozenset({Stage.AWAITING_APPROVAL, Stage.ESCALATING, Stage.ESCALATED})
"""The stages in which a decision sent now is applied to the current round."""
ENDED = frozenset({Stage.PUBLISHED, Stage.REJECTED, Stage.EXPIRED})


class Role(StrEnum):
    """In which capacity a decision was taken."""

    REVIEWER = "reviewer"
    ESCALATION_CONTACT = "escalation contact"
    AUTOMATION = "automation"
    """The function-key decision route or the MCP tool: a program, not a person a link was mailed to."""


def utc(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime. A naive one is UTC already, never local time: the durable context's clock
    (`context.current_utc_datetime`) is naive UTC, and the app makes no other naive datetime."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utc_iso(moment: datetime) -> str:
    """`moment` in UTC as ISO 8601 to the second with a Z suffix, "2026-05-04T09:30:00Z" (a naive one is UTC)."""
    return utc(moment).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


UtcTime = Annotated[datetime, PlainSerializer(utc_iso, return_type=str, when_used="json")]
"""A moment in UTC, written as ISO 8601 with a Z suffix."""


class Decider(BaseModel):
    """Who took a decision: the role, and for a signed link the address it was mailed to."""

    model_config = ConfigDict(frozen=True)

    role: Role
    address: str | None = None

    def __str__(self) -> str:
        return f"{self.role} {self.address}" if self.address else str(self.role)


AUTOMATION = Decider(role=Role.AUTOMATION)


class DraftReference(BaseModel):
    """What travels instead of a draft's text (`save_draft`): the whole draft is stored at `name`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    title: str
    name: str
    location: str
    url: str
    excerpt: str = ""
    word_count: int | None = None
    reading_time_minutes: int | None = None
    characters: int | None = None


class DecisionRecord(BaseModel):
    """A decision applied to one round, as the custom status lists it (the output also keeps its feedback)."""

    round: int
    approved: bool
    decided_by: Decider
    decision_id: str | None = None


class ReviewStatus(BaseModel):
    """The content flow's custom status: everything the decision route and the review page need.

    It stays well under the 16 KB the Durable extension allows: drafts travel as references, feedback is cut short.
    """

    model_config = ConfigDict(use_enum_values=False)

    stage: Stage
    topic: str
    round: int
    max_rounds: int
    reviewer: str | None = None
    escalation_contact: str | None = None
    decisions: list[DecisionRecord] = Field(default_factory=list[DecisionRecord])
    last_feedback: str | None = None
    draft: DraftReference | None = None
    previous_draft: DraftReference | None = None
    awaiting: str | None = None
    deadline: UtcTime | None = None
    missed_deadline: UtcTime | None = None
    message: str | None = None
    location: str | None = None

    @classmethod
    def read(cls, custom_status: Any) -> ReviewStatus | None:
        """The review status a content flow published, or None before it published one (or for another flow)."""
        if not isinstance(custom_status, dict):
            return None
        try:
            return cls.model_validate(custom_status)
        except ValidationError:
            return None

    def as_custom_status(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=False)

    def decision_of(self, round_number: int) -> DecisionRecord | None:
        return next((d for d in self.decisions if d.round == round_number), None)

    @property
    def rounds_left(self) -> int:
        """Rounds after this one that a rejection can still lead to."""
        return max(0, self.max_rounds - self.round)


class DecisionEvent(BaseModel):
    """The ApprovalDecision event as the decision route and the review page raise it, signed.

    `round` names the round it decides (a decision queued behind another must not carry over to the next draft),
    `decision_id` lets the sender see that this very decision was applied, `decided_by` names who decided.
    Only `signature` makes any of it believable: the flow ignores an event whose signature does not verify.
    Its feedback is held to characters only: an event recorded before the byte bound (`Feedback`) must still read
    the same on replay; the flow clips what it passes to the writer (orchestrations/writer_sessions.py).
    """

    model_config = ConfigDict(extra="forbid")

    approved: StrictBool
    feedback: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_FEEDBACK)] = ""
    round: int | None = Field(default=None, ge=1)
    decision_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    decided_by: Decider | None = None
    signature: Annotated[str, StringConstraints(max_length=200)] | None = None
