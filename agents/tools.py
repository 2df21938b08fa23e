"""Function tools the agents can call; the model decides when, the framework runs them.

Each tool is a thin, documented wrapper over `agents.analysis`, so the model sees a
clear schema and the call and its result land in the agent's conversation history.
"""

from __future__ import annotations

from typing import Annotated

from agent_framework import tool
from pydantic import Field

from agents import analysis, spam_classifier
from agents.analysis import LinkReport, SenderReport, TextStatistics
from agents.spam_classifier import SpamScore


@tool(name="inspect_links")
def inspect_links(
    email_text: Annotated[str, Field(description="The full text of the email, headers included if known.")],
) -> LinkReport:
    """Extract every link in an email and flag risky ones (raw IPs, shorteners, risky TLDs, look-alikes)."""
    return analysis.inspect_links(email_text)


@tool(name="check_sender")
def check_sender(
    sender: Annotated[str, Field(description="The From address, e.g. 'Jane <jane@example.com>'; empty if unknown.")],
    email_text: Annotated[str, Field(description="The full text of the email.")],
) -> SenderReport:
    """Check the sender's domain against the brands and link domains the email mentions."""
    return analysis.check_sender(sender, email_text)


@tool(name="score_spam")
def score_spam(
    email_text: Annotated[
        str, Field(description="The email exactly as given to you, headers included (or a raw RFC 822 message).")
    ],
) -> SpamScore:
    """Score an email with the trained spam classifier: spam score, threshold, and the strongest evidence each way."""
    return spam_classifier.score_spam(email_text)


@tool(name="text_statistics")
def text_statistics(
    text: Annotated[str, Field(description="The draft text to measure.")],
) -> TextStatistics:
    """Count words, sentences and paragraphs of a draft and estimate its reading time."""
    return analysis.text_statistics(text)
