"""Structured answers the flows read from the agents.

These classes travel to the durable agent entities as module + qualified name and are
imported again there, so they must stay at module level in an importable module.
Field constraints are kept out of the schemas on purpose: strict JSON-schema modes of
OpenAI-compatible servers reject many of them. The checks live in validators instead, which
run on the parsed answer and never reach the schema: an answer that makes no sense (a
confidence of 2.79e9, an empty body, a word count the text contradicts) is invalid, so the
flow asks the model to repair it rather than act on it.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator, model_validator

from agents.analysis import text_statistics

WORD_COUNT_TOLERANCE = 0.1
"""How far (as a fraction, at least 20 words) a reported word count may be from the measured one."""


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _not_empty(values: list[str]) -> list[str]:
    if not any(item.strip() for item in values):
        raise ValueError("must list at least one item")
    return values


class SpamVerdict(BaseModel):
    """SpamDetectionAgent's decision on one email."""

    is_spam: bool = Field(description="True when the email is spam, phishing or a scam.")
    confidence: float = Field(description="Confidence in the decision, from 0.0 to 1.0.")
    reason: str = Field(description="One or two sentences naming the evidence behind the decision.")
    signals: list[str] = Field(description="The individual signals found, most important first.")

    @field_validator("confidence")
    @classmethod
    def _probability(cls, value: float) -> float:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"must be between 0 and 1, got {value:g}")
        return value

    _reason = field_validator("reason")(_not_blank)


class EmailReply(BaseModel):
    """EmailAssistantAgent's draft answer to a legitimate email."""

    subject: str = Field(description="Subject line of the reply.")
    body: str = Field(description="Plain-text body of the reply, greeting and sign-off included.")

    _texts = field_validator("subject", "body")(_not_blank)


class ResearchFindings(BaseModel):
    """One research agent's notes on a topic, from its own angle."""

    area: str = Field(description="The angle researched: technical, market or competitor.")
    key_points: list[str] = Field(description="The most important findings.")
    risks: list[str] = Field(description="Risks or caveats worth knowing.")
    open_questions: list[str] = Field(description="Questions that need more research.")

    _points = field_validator("key_points")(_not_empty)


class ResearchSummary(BaseModel):
    """SummaryAgent's synthesis of the three research angles."""

    headline: str = Field(description="One-line takeaway.")
    summary: str = Field(description="A short paragraph combining the technical, market and competitor notes.")
    recommendations: list[str] = Field(description="Concrete next steps.")

    _texts = field_validator("headline", "summary")(_not_blank)
    _steps = field_validator("recommendations")(_not_empty)


class Article(BaseModel):
    """ContentGenerationAgent's draft, measured with the text_statistics tool."""

    title: str = Field(description="Headline of the article.")
    body: str = Field(description="The article in Markdown.")
    word_count: int = Field(description="Number of words in the body, as measured by text_statistics.")
    reading_time_minutes: int = Field(description="Estimated reading time, as measured by text_statistics.")

    _texts = field_validator("title", "body")(_not_blank)

    @model_validator(mode="after")
    def _measured(self) -> Article:
        """The reported figures must agree with the text_statistics tool on the body."""
        measured = text_statistics(self.body)
        words, minutes = int(measured["word_count"]), int(measured["reading_time_minutes"])  # type: ignore[call-overload]
        if abs(self.word_count - words) > max(20, WORD_COUNT_TOLERANCE * words):
            raise ValueError(f"word_count {self.word_count} contradicts text_statistics, which counts {words} words")
        if abs(self.reading_time_minutes - minutes) > 1:
            raise ValueError(
                f"reading_time_minutes {self.reading_time_minutes} contradicts text_statistics, which says {minutes}"
            )
        return self
