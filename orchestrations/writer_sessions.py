"""The content flow's conversation with its writer, kept within what one agent session may hold.

Each revision answers the reviewer's feedback in the writer's conversation, which its entity keeps whole: every
prompt, every draft, and the draft again as the argument of a `text_statistics` call. Ten rounds of long drafts and
feedback outgrow the 1 MiB a session may hold (agents/session_limits.py). So the flow estimates the conversation's
size from what it sent and what it got back (the answers are in its history: a replay estimates the same), and a
revision that would take it over `WRITER_SESSION_BUDGET` starts a fresh session, whose first prompt carries the
topic, the current draft and the feedback: the revision still answers the feedback on that draft.

The flow schedules the same calls in the same order either way (a session is a key, not an action), so a flow in
flight replays its recorded revisions as they were. Feedback given to the writer is clipped to
`MAX_FEEDBACK_BYTES` as stored: the routes refuse more, and an event recorded before that bound is read whole but
passed on clipped.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from agent_framework import AgentSession

from agents.session_limits import stored_bytes
from orchestrations.agent_calls import AgentCalls, AgentProxy
from reviewing.protocol import MAX_FEEDBACK_BYTES

WRITER_SESSION_BUDGET = 512 * 1024
"""Estimated bytes of the writer's conversation, as stored, past which a revision starts a fresh session: half the
limit, as the estimate leaves out what the flow does not see (message metadata, repair turns, other tool calls)."""
TURN_OVERHEAD_BYTES = 2_048
"""Per turn, what the entity stores beside the texts: roles, times, ids, usage."""


def turn_bytes(prompt: str, article: dict[str, Any]) -> int:
    """A turn as the writer's session stores it, estimated: the prompt, and the draft twice (the answer, and the
    text measured by `text_statistics`)."""
    return stored_bytes(prompt) + 2 * stored_bytes(json.dumps(article)) + TURN_OVERHEAD_BYTES


def clip_feedback(feedback: str) -> str:
    """`feedback` cut to at most MAX_FEEDBACK_BYTES as stored, with a mark when it was cut."""
    if stored_bytes(feedback) <= MAX_FEEDBACK_BYTES:
        return feedback
    mark, size, kept = " [...]", stored_bytes(""), []
    for character in feedback:
        size += stored_bytes(character) - 2
        if size + stored_bytes(mark) - 2 > MAX_FEEDBACK_BYTES:
            break
        kept.append(character)
    return "".join(kept) + mark


@dataclass
class WriterConversation:
    """The writer's drafts and revisions for one flow, in one session until it would grow too large."""

    agents: AgentCalls
    writer: AgentProxy
    topic: str
    session: AgentSession = field(init=False)
    size: int = 0
    """Estimated bytes of the current session's conversation."""

    def __post_init__(self) -> None:
        self.session = self.writer.create_session()

    def draft(self) -> Generator[Any, Any, dict[str, Any]]:
        return (yield from self._ask(f"Topic: {self.topic}\n\nWrite the article."))

    def revise(self, article: dict[str, Any], feedback: str) -> Generator[Any, Any, dict[str, Any]]:
        """The revision of `article` that answers `feedback`, in a fresh session when the current one is too full."""
        request = f"Reviewer feedback: {clip_feedback(feedback) or '(no feedback given)'}\n\n"
        prompt = request + "Revise your draft to address this feedback."
        if self.size + turn_bytes(prompt, article) > WRITER_SESSION_BUDGET:
            self.session, self.size = self.writer.create_session(), 0
            prompt = (
                f"Topic: {self.topic}\n\nYour current draft:\n\n```json\n{json.dumps(article)}\n```\n\n"
                f"{request}Revise this draft to address this feedback."
            )
        return (yield from self._ask(prompt))

    def _ask(self, prompt: str) -> Generator[Any, Any, dict[str, Any]]:
        article = yield from self.agents.ask(self.writer, prompt, self.session)
        self.size += turn_bytes(prompt, article)
        return article
