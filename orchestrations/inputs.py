"""Inputs of the flows, validated the same way at the HTTP edge and inside the orchestrators.

Orchestrations can also be started directly through the durable management API, so
the orchestrators parse their input with these models too; pydantic validation is
deterministic and safe to run on every replay.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    StringConstraints,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from agents.mail_parsing import MAX_RAW_BYTES, looks_like_mail
from settings import single_mailbox

InputModel = TypeVar("InputModel", bound=BaseModel)

APPROVAL_EVENT = "ApprovalDecision"
DEFAULT_TIMEOUT_HOURS = 24.0
MAX_TIMEOUT_HOURS = 168.0
DEFAULT_REVIEW_ROUNDS = 3
MAX_REVIEW_ROUNDS = 10


def _is_blank(value: Any) -> bool:
    """No visible character: only spaces, line breaks, control or zero-width characters."""
    return isinstance(value, str) and not any(
        not character.isspace() and unicodedata.category(character) not in ("Cc", "Cf") for character in value
    )


def _check_text(value: str) -> str:
    if _is_blank(value):
        raise ValueError("must contain text, not only spaces or invisible characters")
    return value.strip()


def _check_single_line(value: str) -> str:
    """Identifiers and addresses end up in mail headers, where a line break would start a new header."""
    if any(unicodedata.category(character) == "Cc" for character in value):
        raise ValueError("must not contain control characters such as line breaks or tabs")
    return value


def _check_address(value: str) -> str:
    """Exactly one mailbox, returned as parsed: a list or group of recipients is rejected, not trimmed."""
    return str(single_mailbox(value))


HAS_TEXT = AfterValidator(_check_text)
ONE_LINE = AfterValidator(_check_single_line)
ONE_MAILBOX = AfterValidator(_check_address)

Address = Annotated[str, StringConstraints(max_length=320), HAS_TEXT, ONE_LINE, ONE_MAILBOX]
Topic = Annotated[str, StringConstraints(max_length=500), HAS_TEXT]


def _fits_raw(value: str) -> bool:
    return len(value.encode("utf-8", "surrogatepass")) <= MAX_RAW_BYTES


def _check_raw(value: str) -> str:
    """Size and the shape of mail only: the message is parsed once, by the flow's first activity."""
    if not _fits_raw(value):
        raise ValueError(f"must be at most {MAX_RAW_BYTES // 1024} KB")
    if not looks_like_mail(value):
        raise ValueError("must be an RFC 822 message: header fields (From:, Subject:, ...), a blank line, the body")
    return value


RawMessage = Annotated[str, AfterValidator(_check_raw)]
EmailId = Annotated[str, StringConstraints(max_length=200), HAS_TEXT, ONE_LINE]
FROM_RAW = "(in the raw message)"
"""What `content` holds when the email is given as `raw`: its text is read from the message by the flow."""


class InvalidInput(ValueError):
    """A flow's input that its model refuses (a flow can be started around the validating routes)."""


def problems(error: ValidationError, whole: str = "body") -> list[dict[str, str]]:
    """Each bad field and what is wrong with it, in the app's words (without pydantic's "Value error, ");
    `whole` names the value itself when the problem is not in one field."""
    return [
        {"field": ".".join(str(part) for part in issue["loc"]) or whole, "message": issue["msg"].removeprefix("Value error, ")}
        for issue in error.errors(include_url=False)
    ]


def read_input(model: type[InputModel], data: Any) -> InputModel:
    """A flow's input validated with `model`, or InvalidInput naming each bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        reasons = "; ".join(f"{p['field']}: {p['message']}" for p in problems(error))
        raise InvalidInput(f"Invalid input for this flow: {reasons}") from None


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _blank_optionals_are_absent(cls, data: Any) -> Any:
        """`"sender": ""` or `"subject": null` (common in real mail and forms) means the field is not given."""
        if not isinstance(data, dict):
            return data
        optional = {name for name, field in cls.model_fields.items() if not field.is_required()}
        return {key: value for key, value in data.items() if not (key in optional and (value is None or _is_blank(value)))}


class _TopicInput(_Input):
    """Accepts a bare JSON string as the topic."""

    @model_validator(mode="before")
    @classmethod
    def _bare_topic(cls, data: Any) -> Any:
        return {"topic": data} if isinstance(data, str) else data


class EmailInput(_Input):
    """An email to triage: its `content` (with `sender`, `subject` when known), or the whole message as `raw`.

    A raw message is not parsed here (this runs on the HTTP event loop and in every replay of the orchestrator):
    the flow's first activity reads it, and fields left out are read from it there (email_id from its Message-ID).
    """

    content: Annotated[str, StringConstraints(max_length=100_000), HAS_TEXT]
    email_id: EmailId | None = None
    sender: Address | None = None
    subject: Annotated[str, StringConstraints(max_length=500), HAS_TEXT] | None = None
    raw: RawMessage | None = None

    @model_validator(mode="before")
    @classmethod
    def _content_is_in_raw(cls, data: Any) -> Any:
        """With `raw`, `content` stands for the message's text (read by the flow); giving both is refused."""
        if not isinstance(data, dict) or not isinstance(data.get("raw"), str) or _is_blank(data["raw"]):
            return data  # a blank `raw` is absent, like any blank optional field
        if isinstance(data.get("content"), str) and not _is_blank(data["content"]) and data["content"] != FROM_RAW:
            raise ValueError("give the email either as `content` (with `sender`, `subject`) or whole as `raw`, not both")
        return {**data, "content": FROM_RAW}

    @model_serializer(mode="wrap")
    def _raw_stands_for_its_content(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Without the placeholder `content` of a raw message: a flow's input carries the message once."""
        data = handler(self)
        if self.raw is not None:
            data.pop("content", None)
        return data


class ResearchInput(_TopicInput):
    """A topic to research; a bare string is the topic."""

    topic: Topic


Hours = Annotated[float, Field(gt=0, le=MAX_TIMEOUT_HOURS, strict=True, allow_inf_nan=False)]


class ContentInput(_TopicInput):
    """A topic to write about, who reviews it, how long each review may take and how many rounds it may go."""

    topic: Topic
    reviewer: Address | None = None
    timeout_hours: Hours = DEFAULT_TIMEOUT_HOURS
    escalation_timeout_hours: Hours = DEFAULT_TIMEOUT_HOURS
    max_review_rounds: int = Field(default=DEFAULT_REVIEW_ROUNDS, ge=1, le=MAX_REVIEW_ROUNDS, strict=True)

    @field_validator("timeout_hours", "escalation_timeout_hours", mode="before")
    @classmethod
    def _whole_numbers_too(cls, value: Any) -> Any:
        """Strict mode keeps "24" and true out; an integer such as 24 is still a valid number of hours."""
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ApprovalDecision(_Input):
    """The reviewer's answer, raised as the ApprovalDecision event."""

    approved: StrictBool
    feedback: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5_000)] = ""


class DecisionEvent(ApprovalDecision):
    """The ApprovalDecision event as the flow reads it. The decision route adds the round it decides (a decision
    queued behind another on the same round must not carry over to the next draft) and an id, so it can tell
    its caller whether this very decision was applied."""

    round: int | None = Field(default=None, ge=1)
    decision_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    decided_by: Literal["reviewer", "escalation contact"] | None = None
