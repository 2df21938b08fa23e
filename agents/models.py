"""Structured answers the flows read from the agents.

These classes travel to the durable agent entities as module + qualified name and are
imported again there, so they must stay at module level in an importable module.
Field constraints are kept out of the schemas on purpose: strict JSON-schema modes of
OpenAI-compatible servers reject many of them.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class SpamVerdict(BaseModel):
    """SpamDetectionAgent's decision on one email."""

    is_spam: bool = Field(description="True when the email is spam, phishing or a scam.")
    confidence: float = Field(description="Confidence in the decision, from 0.0 to 1.0.")
    reason: str = Field(description="One or two sentences naming the evidence behind the decision.")
    signals: list[str] = Field(description="The individual signals found, most important first.")


class EmailReply(BaseModel):
    """EmailAssistantAgent's draft answer to a legitimate email."""

    subject: str = Field(description="Subject line of the reply.")
    body: str = Field(description="Plain-text body of the reply, greeting and sign-off included.")


class ResearchFindings(BaseModel):
    """One research agent's notes on a topic, from its own angle."""

    area: str = Field(description="The angle researched: technical, market or competitor.")
    key_points: list[str] = Field(description="The most important findings.")
    risks: list[str] = Field(description="Risks or caveats worth knowing.")
    open_questions: list[str] = Field(description="Questions that need more research.")


class ResearchSummary(BaseModel):
    """SummaryAgent's synthesis of the three research angles."""

    headline: str = Field(description="One-line takeaway.")
    summary: str = Field(description="A short paragraph combining the technical, market and competitor notes.")
    recommendations: list[str] = Field(description="Concrete next steps.")


class Article(BaseModel):
    """ContentGenerationAgent's draft, measured with the text_statistics tool."""

    title: str = Field(description="Headline of the article.")
    body: str = Field(description="The article in Markdown.")
    word_count: int = Field(description="Number of words in the body, as measured by text_statistics.")
    reading_time_minutes: int = Field(description="Estimated reading time, as measured by text_statistics.")
