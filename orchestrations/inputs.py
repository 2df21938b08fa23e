"""Inputs of the flows, validated the same way at the HTTP edge and inside the orchestrators.

Orchestrations can also be started directly through the durable management API, so
the orchestrators parse their input with these models too; pydantic validation is
deterministic and safe to run on every replay.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)

from settings import single_mailbox

APPROVAL_EVENT = "ApprovalDecision"
DEFAULT_TIMEOUT_HOURS = 24.0
MAX_TIMEOUT_HOURS = 168.0


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
    """An email to triage; only `content` is required."""

    content: Annotated[str, StringConstraints(max_length=100_000), HAS_TEXT]
    email_id: Annotated[str, StringConstraints(max_length=200), HAS_TEXT, ONE_LINE] | None = None
    sender: Address | None = None
    subject: Annotated[str, StringConstraints(max_length=500), HAS_TEXT] | None = None


class ResearchInput(_TopicInput):
    """A topic to research; a bare string is the topic."""

    topic: Topic


class ContentInput(_TopicInput):
    """A topic to write about, who reviews it and how long to wait for the review."""

    topic: Topic
    reviewer: Address | None = None
    timeout_hours: float = Field(
        default=DEFAULT_TIMEOUT_HOURS, gt=0, le=MAX_TIMEOUT_HOURS, strict=True, allow_inf_nan=False
    )

    @field_validator("timeout_hours", mode="before")
    @classmethod
    def _whole_numbers_too(cls, value: Any) -> Any:
        """Strict mode keeps "24" and true out; an integer such as 24 is still a valid number of hours."""
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ApprovalDecision(_Input):
    """The reviewer's answer, raised as the ApprovalDecision event."""

    approved: StrictBool
    feedback: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5_000)] = ""
