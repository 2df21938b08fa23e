"""Inputs of the flows, validated the same way at the HTTP edge and inside the orchestrators.

Orchestrations can also be started directly through the durable management API, so
the orchestrators parse their input with these models too; pydantic validation is
deterministic and safe to run on every replay.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from agents.mail_parsing import MAX_RAW_BYTES, looks_like_mail
from agents.session_limits import MAX_MESSAGE_BYTES, stored_within
from reviewing.protocol import Feedback
from settings import ReviewSettings, single_mailbox

InputModel = TypeVar("InputModel", bound=BaseModel)

DEFAULT_TIMEOUT_HOURS = 24.0
MAX_DEADLINE_HOURS = 672.0
"""Four weeks: the longest a review stage may wait (a durable timer of any length is one timer on the scheduler)."""
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
        {
            "field": ".".join(str(part) for part in issue["loc"]) or whole,
            "message": issue["msg"].removeprefix("Value error, "),
        }
        for issue in error.errors(include_url=False)
    ]


def reasons(error: ValidationError, whole: str = "body") -> str:
    """Every problem of `problems` on one line: "field: message; field: message"."""
    return "; ".join(f"{p['field']}: {p['message']}" for p in problems(error, whole))


def read_input(model: type[InputModel], data: Any, context: Any = None) -> InputModel:
    """A flow's input validated with `model` (and the validation `context` its model reads, such as the app's
    ReviewSettings), or InvalidInput naming each bad field."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        raise InvalidInput(f"Invalid input for this flow: {reasons(error)}") from None


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _blank_optionals_are_absent(cls, data: Any) -> Any:
        """`"sender": ""` or `"subject": null` (common in real mail and forms) means the field is not given."""
        if not isinstance(data, dict):
            return data
        optional = {name for name, field in cls.model_fields.items() if not field.is_required()}
        return {
            key: value for key, value in data.items() if not (key in optional and (value is None or _is_blank(value)))
        }


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
        if not isinstance(data, dict):
            return data
        raw = data.get("raw")
        if not isinstance(raw, str) or _is_blank(raw):  # a blank `raw` is absent, like any blank optional field
            if data.get("content") is None and (raw is None or isinstance(raw, str)):
                raise ValueError("give the email as `content` (with `sender`, `subject`) or whole as `raw`")
            return data
        if isinstance(data.get("content"), str) and not _is_blank(data["content"]) and data["content"] != FROM_RAW:
            raise ValueError(
                "give the email either as `content` (with `sender`, `subject`) or whole as `raw`, not both"
            )
        return {**data, "content": FROM_RAW}

    @model_serializer(mode="wrap")
    def _raw_stands_for_its_content(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Without the placeholder `content` of a raw message: a flow's input carries the message once."""
        data: dict[str, Any] = handler(self)  # pydantic types the handler's result Any; a model dumps to a dict
        if self.raw is not None:
            data.pop("content", None)
        return data


class ResearchInput(_TopicInput):
    """A topic to research; a bare string is the topic."""

    topic: Topic


Hours = Annotated[float, Field(strict=True, allow_inf_nan=False)]


def _duration(seconds: float) -> str:
    """ "1 minute", "90 seconds", "0.5 seconds": how a deadline limit reads in an error message."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} second{'s' if seconds != 1 else ''}"


def deadline_limits(review: ReviewSettings | None) -> str:
    """The range of a review deadline in words, as the error messages say it."""
    shortest = f"at least {_duration(review.min_deadline_seconds)}" if review else "more than 0 hours"
    return f"{shortest} and at most {MAX_DEADLINE_HOURS:g} hours (four weeks)"


class ContentInput(_TopicInput):
    """A topic to write about, who reviews it, how long each review may take and how many rounds it may go.

    Each deadline is at most four weeks; validated with the app's ReviewSettings as context (the HTTP route, the MCP
    tool, the flow's first episode), it is also at least REVIEW_MIN_DEADLINE_SECONDS.
    """

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

    @field_validator("timeout_hours", "escalation_timeout_hours")
    @classmethod
    def _deadline_in_range(cls, hours: float, info: ValidationInfo) -> float:
        review = info.context if isinstance(info.context, ReviewSettings) else None
        too_short = hours * 3600 < review.min_deadline_seconds if review else hours <= 0
        if too_short or hours > MAX_DEADLINE_HOURS:
            raise ValueError(f"must be {deadline_limits(review)}; got {hours:g} hours")
        return hours


CALLER_SESSION = r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}"
"""A session id a caller of an agent route or tool may choose (no `@`, which separates entity name and key)."""


class AgentMessage(_Input):
    """A message to one agent from outside the flows, in a conversation of the caller's (`session_id`)."""

    message: Annotated[
        str, StringConstraints(max_length=100_000), HAS_TEXT, AfterValidator(stored_within(MAX_MESSAGE_BYTES))
    ]
    session_id: Annotated[str, StringConstraints(pattern=f"^{CALLER_SESSION}$")] | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_message(cls, data: Any) -> Any:
        return {"message": data} if isinstance(data, str) else data


class ApprovalDecision(_Input):
    """A decision as the automation route and the MCP tool take it: approve or reject, with feedback, for a round.

    Without `round` it decides the round under review when it arrives; with it, only that round (a retried or
    late request never decides the next round's draft, which nobody has read).
    """

    approved: StrictBool
    feedback: Feedback = ""
    round: int | None = Field(default=None, ge=1, strict=True)
