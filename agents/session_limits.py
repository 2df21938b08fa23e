"""How much an agent session may hold, measured as the scheduler measures it: bytes of the state as stored.

An agent's durable entity keeps the whole conversation of a session (every message, answer and tool call) in its
state, which the Functions SDK writes as JSON with non-ASCII characters escaped (`\\u6539`: six bytes for one CJK
character, two for a line break), and the Durable Task Scheduler refuses a state over 1 MiB. So every limit on text
that ends up in a conversation is in these bytes, not in characters.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

STATE_LIMIT_BYTES = 1024 * 1024
"""The Durable Task Scheduler's limit on one message, which an entity's state travels as."""
MAX_MESSAGE_BYTES = 200_000
"""A caller's message, as stored: with a tool-calling agent's copies of it (SpamDetectionAgent passes the email to
its tools) and the answer, a message of this size still leaves room for a few turns in one session."""
ANSWER_ROOM_BYTES = 64 * 1024
"""Room a session must have left, besides the message, before a message is sent: for the answer and its tool calls."""
CONVERSATION_FULL = "ConversationFull"
"""The error code of the answer an agent records when a turn does not fit in its session's state."""


def stored_bytes(value: Any) -> int:
    """Bytes of `value` as the Functions SDK stores it in an entity's state (json.dumps, ASCII with escapes)."""
    return len(json.dumps(value).encode())


def stored_within(limit: int) -> Callable[[str], str]:
    """A validator for text that ends up in a conversation: at most `limit` bytes as stored, else a reason naming both."""

    def check(text: str) -> str:
        size = stored_bytes(text)
        if size > limit:
            raise ValueError(
                f"is {size:,} bytes as stored (JSON: 6 bytes for each non-ASCII character, 2 for a line break); "
                f"at most {limit:,}"
            )
        return text

    return check
