"""What the offline model does for each agent: which tools to call first, then what to answer.

A skill is chosen by the response model the caller asked for, or, when none was asked,
by the agent name in the instructions ("You are SpamDetectionAgent ...").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar, cast

from pydantic import BaseModel

from agents import analysis, catalog, spam_classifier
from agents.mail_parsing import read_text
from agents.models import Article, EmailReply, ResearchFindings, ResearchSummary, SpamVerdict
from agents.offline import spam_rules, writing
from agents.offline.reading import email_text, json_blocks, labelled, read_email

Report = TypeVar("Report", bound=Mapping[str, object])


@dataclass(frozen=True)
class ToolCall:
    """A function call the offline model asks the framework to run."""

    name: str
    arguments: dict[str, object]


@dataclass(frozen=True)
class Turn:
    """The current request as the offline model sees it."""

    instructions: str
    prompt: str
    offered_tools: frozenset[str] = frozenset()
    tool_results: dict[str, object] = field(default_factory=dict)
    earlier_answers: tuple[str, ...] = ()

    def missing_calls(self, calls: list[ToolCall]) -> list[ToolCall]:
        """The calls still to make: offered tools whose result is not in yet."""
        return [c for c in calls if c.name in self.offered_tools and c.name not in self.tool_results]

    def result_or(self, name: str, compute: Callable[[], Report]) -> Report:
        """A tool's result from the conversation, or computed directly when the tool was not offered."""
        result = self.tool_results.get(name)
        # The framework hands tool results back as untyped JSON; this one is the answer of the tool `compute` runs.
        return cast(Report, result) if isinstance(result, dict) else compute()


@dataclass(frozen=True)
class Skill:
    """Tool calls to make before answering, and the answer itself."""

    plan: Callable[[Turn], list[ToolCall]]
    answer: Callable[[Turn], BaseModel]


def _spam_plan(turn: Turn) -> list[ToolCall]:
    email = read_email(turn.prompt)
    return [
        ToolCall("inspect_links", {"email_text": email.full_text}),
        ToolCall("check_sender", {"sender": email.sender, "email_text": email.full_text}),
        ToolCall("score_spam", {"email_text": email_text(turn.prompt)}),
    ]


def _spam_answer(turn: Turn) -> SpamVerdict:
    email = read_email(turn.prompt)
    links = turn.result_or("inspect_links", lambda: analysis.inspect_links(email.full_text))
    sender = turn.result_or("check_sender", lambda: analysis.check_sender(email.sender, email.full_text))
    classifier = turn.result_or("score_spam", lambda: spam_classifier.score_spam(email_text(turn.prompt)))
    signals = spam_rules.email_signals(links, sender, read_text(email_text(turn.prompt)))  # every part, attachments
    return spam_rules.verdict(
        signals,
        classifier,
        link_count=links.get("link_count", 0),
        sender_domain=sender.get("domain", ""),
    )


def _topic(turn: Turn) -> str:
    return labelled(turn.prompt, "Topic") or turn.prompt.strip() or "the topic"


def _research_answer(turn: Turn) -> ResearchFindings:
    match = re.search(r"Research angle:\s*(\w+)", turn.instructions)
    return writing.research(match.group(1).lower() if match else "technical", _topic(turn))


def _summary_answer(turn: Turn) -> ResearchSummary:
    notes = []
    for block in json_blocks(turn.prompt):
        try:
            notes.append(ResearchFindings.model_validate(block))
        except ValueError:
            continue
    return writing.summary(_topic(turn), notes)


def _article_text(turn: Turn) -> tuple[str, str]:
    """A revision of the draft (the session's last answer, or one the prompt quotes as JSON) when the prompt gives
    feedback; else a first draft."""
    feedback = labelled(turn.prompt, "Reviewer feedback")
    previous = _last_article(turn.earlier_answers) or _last_article(
        tuple(json.dumps(b) for b in json_blocks(turn.prompt))
    )
    if feedback is not None and previous is not None:
        return writing.article_revision(previous, feedback)
    return writing.article_draft(_topic(turn))


def _article_plan(turn: Turn) -> list[ToolCall]:
    """Measure the draft first, as a writer checking its length would (the tools stay offered to models that use
    them); the word count and reading time in the answer are the app's own, measured from the body."""
    return [ToolCall("text_statistics", {"text": _article_text(turn)[1]})]


def _article_answer(turn: Turn) -> Article:
    title, body = _article_text(turn)
    return Article(title=title, body=body)


def _last_article(answers: tuple[str, ...]) -> Article | None:
    for text in reversed(answers):
        try:
            return Article.model_validate(json.loads(text))
        except ValueError:
            continue
    return None


def _no_tools(turn: Turn) -> list[ToolCall]:
    return []


SPAM = Skill(_spam_plan, _spam_answer)
REPLY = Skill(_no_tools, lambda turn: writing.reply(read_email(turn.prompt)))
RESEARCH = Skill(_no_tools, _research_answer)
SUMMARY = Skill(_no_tools, _summary_answer)
ARTICLE = Skill(_article_plan, _article_answer)

SKILLS_BY_MODEL: dict[type[BaseModel], Skill] = {
    SpamVerdict: SPAM,
    EmailReply: REPLY,
    ResearchFindings: RESEARCH,
    ResearchSummary: SUMMARY,
    Article: ARTICLE,
}
SKILLS_BY_AGENT: dict[str, Skill] = {
    catalog.SPAM_DETECTION: SPAM,
    catalog.EMAIL_ASSISTANT: REPLY,
    **dict.fromkeys(catalog.RESEARCH_AREAS, RESEARCH),
    catalog.SUMMARY: SUMMARY,
    catalog.CONTENT_GENERATION: ARTICLE,
}


def skill_for(response_format: object, instructions: str) -> Skill | None:
    """The skill for a request: by the requested response model, else by the agent named in the instructions."""
    if isinstance(response_format, type) and response_format in SKILLS_BY_MODEL:
        return SKILLS_BY_MODEL[response_format]
    match = re.search(r"You are (\w+)", instructions)
    return SKILLS_BY_AGENT.get(match.group(1)) if match else None
