"""Structured answers the flows read from the agents.

These classes travel to the durable agent entities as module + qualified name and are
imported again there, so they must stay at module level in an importable module.
Field constraints are kept out of the schemas on purpose: strict JSON-schema modes of
OpenAI-compatible servers reject many of them. The checks live in validators instead, which
run on the parsed answer and never reach the schema: an answer that makes no sense (a
confidence of 2.79e9, an empty body) is invalid, so the flow asks the model to repair it rather
than act on it. Figures the app can compute itself (an article's word count and reading time)
are computed from the answer, not asked of the model.

`GRAMMAR_HINTS` add, per field, what a grammar-constrained server (llama.cpp, llama-cpp-python:
the schema inside a `json_object` response format) can enforce while the model writes: the
lengths of texts and lists, and a confidence in steps of a tenth (a grammar cannot bound a
number). They never reach the JSON schemas of strict servers.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field, computed_field, field_validator

from agents.analysis import text_statistics

Hints = dict[str, dict[str, Any]]
MIN_ARTICLE_WORDS = 20
"""Fewer words than this is not a draft worth a reviewer's time (a model asked for 300 to 600 wrote almost nothing)."""
NON_EMPTY: dict[str, Any] = {"minItems": 1}


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

    GRAMMAR_HINTS: ClassVar[Hints] = {"confidence": {"enum": [round(step / 10, 1) for step in range(11)]}}

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

    GRAMMAR_HINTS: ClassVar[Hints] = {"key_points": NON_EMPTY}

    _points = field_validator("key_points")(_not_empty)


class ResearchSummary(BaseModel):
    """SummaryAgent's synthesis of the three research angles."""

    headline: str = Field(description="One-line takeaway.")
    summary: str = Field(description="A short paragraph combining the technical, market and competitor notes.")
    recommendations: list[str] = Field(description="Concrete next steps.")

    GRAMMAR_HINTS: ClassVar[Hints] = {"summary": {"minLength": 40}, "recommendations": NON_EMPTY}

    _texts = field_validator("headline", "summary")(_not_blank)
    _steps = field_validator("recommendations")(_not_empty)


class Article(BaseModel):
    """ContentGenerationAgent's draft."""

    # word_count and reading_time_minutes are computed fields: in the answer as the flows keep it, never in the
    # schema the model is given, so a model that does not call text_statistics (or miscounts) cannot get them wrong.

    title: str = Field(description="Headline of the article.")
    body: str = Field(description="The article in Markdown.")

    # Unbounded (llama.cpp builds no grammar for a text over 2,000 characters), but at least a paragraph long.
    GRAMMAR_HINTS: ClassVar[Hints] = {"body": {"maxLength": None, "minLength": 200}}

    _texts = field_validator("title", "body")(_not_blank)

    @field_validator("body")
    @classmethod
    def _has_words(cls, body: str) -> str:
        words = text_statistics(body)["word_count"]
        if words < MIN_ARTICLE_WORDS:
            raise ValueError(f"has {words} words; write the article, 300 to 600 words")
        return body

    @computed_field  # type: ignore[prop-decorator]  # decorating a property: pydantic's documented form
    @property
    def word_count(self) -> int:
        """Words in the body, counted as text_statistics counts them."""
        return text_statistics(self.body)["word_count"]

    @computed_field  # type: ignore[prop-decorator]  # decorating a property: pydantic's documented form
    @property
    def reading_time_minutes(self) -> int:
        """Minutes to read the body at 200 words a minute, rounded up, as text_statistics says."""
        return text_statistics(self.body)["reading_time_minutes"]
