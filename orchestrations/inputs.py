"""Inputs of the flows, validated the same way at the HTTP edge and inside the orchestrators.

Orchestrations can also be started directly through the durable management API, so
the orchestrators parse their input with these models too; pydantic validation is
deterministic and safe to run on every replay.
"""

from __future__ import annotations

import unicodedata
from email.utils import parseaddr
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from agents.mail_parsing import MAX_RAW_BYTES, parse

APPROVAL_EVENT = "ApprovalDecision"
DEFAULT_TIMEOUT_HOURS = 24.0
MAX_TIMEOUT_HOURS = 168.0

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _check_single_line(value: str) -> str:
    """Identifiers and addresses end up in mail headers, where a line break would start a new header."""
    if any(unicodedata.category(character) == "Cc" for character in value):
        raise ValueError("must not contain control characters such as line breaks or tabs")
    return value


Identifier = Annotated[Text, AfterValidator(_check_single_line)]


def _check_address(value: str) -> str:
    _, address = parseaddr(value)
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        raise ValueError("must be an email address, e.g. 'Jane <jane@example.com>'")
    return value


Address = Annotated[Identifier, StringConstraints(max_length=320), AfterValidator(_check_address)]


def _fits_raw(value: str) -> bool:
    return len(value.encode("utf-8", "surrogatepass")) <= MAX_RAW_BYTES


def _check_raw(value: str) -> str:
    if not value.strip():
        raise ValueError("must be an RFC 822 message, headers and body")
    if not _fits_raw(value):
        raise ValueError(f"must be at most {MAX_RAW_BYTES // 1024} KB")
    return value


RawMessage = Annotated[str, AfterValidator(_check_raw)]
NO_TEXT = "(the message has no text)"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _TopicInput(_Input):
    """Accepts a bare JSON string as the topic."""

    @model_validator(mode="before")
    @classmethod
    def _bare_topic(cls, data: Any) -> Any:
        return {"topic": data} if isinstance(data, str) else data


class EmailInput(_Input):
    """An email to triage: its `content` (with `sender`, `subject` when known), or the whole message as `raw`.

    Fields left out are read from `raw`; email_id defaults to its Message-ID.
    """

    content: Annotated[Text, StringConstraints(max_length=100_000)]
    email_id: Annotated[Identifier, StringConstraints(max_length=200)] | None = None
    sender: Address | None = None
    subject: Annotated[Text, StringConstraints(max_length=500)] | None = None
    raw: RawMessage | None = None

    @model_validator(mode="before")
    @classmethod
    def _fill_from_raw(cls, data: Any) -> Any:
        """Fields left out are read from `raw` (email_id from its Message-ID), when the field can hold them."""
        if not isinstance(data, dict) or not isinstance(data.get("raw"), str):
            return data
        if not _fits_raw(data["raw"]):
            return {"content": NO_TEXT, **data}  # the raw message stands for the content: report raw alone
        mail = parse(data["raw"])
        found = {
            "content": mail.text or NO_TEXT,
            "sender": mail.sender,
            "subject": mail.subject[:500],
            "email_id": mail.message_id.strip("<> "),
        }
        return {**data, **{k: v for k, v in found.items() if data.get(k) is None and _fits_field(k, v)}}


def _field_check(name: str) -> TypeAdapter[Any]:
    field = EmailInput.model_fields[name]
    return TypeAdapter(Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation)


def _fits_field(name: str, value: str) -> bool:
    """Whether a value read from a raw message fits an EmailInput field (a garbled From does not)."""
    try:
        _RAW_FIELDS[name].validate_python(value)
    except ValidationError:
        return False
    return bool(value)


_RAW_FIELDS = {name: _field_check(name) for name in ("content", "sender", "subject", "email_id")}


class ResearchInput(_TopicInput):
    """A topic to research; a bare string is the topic."""

    topic: Annotated[Text, StringConstraints(max_length=500)]


class ContentInput(_TopicInput):
    """A topic to write about, who reviews it and how long to wait for the review."""

    topic: Annotated[Text, StringConstraints(max_length=500)]
    reviewer: Address | None = None
    timeout_hours: float = Field(
        default=DEFAULT_TIMEOUT_HOURS, gt=0, le=MAX_TIMEOUT_HOURS, strict=True, allow_inf_nan=False
    )

    @field_validator("timeout_hours", mode="before")
    @classmethod
    def _whole_numbers_too(cls, value: Any) -> Any:
        """Strict mode keeps "24" and true out; an integer such as 24 is still a valid number of hours."""
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ContentRun(ContentInput):
    """What the content workflow runs on: the request, plus the API root of the start request.

    The start route sets `api_root` (callers cannot: ContentInput forbids it) so that the
    decision link in the reviewer's mail points back to where the flow was started.
    """

    api_root: str | None = None


class ApprovalDecision(_Input):
    """The reviewer's answer, raised as the ApprovalDecision event."""

    approved: StrictBool
    feedback: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5_000)] = ""
