"""The limits Azure enforces on durable state, enforced here too, worded as Azure words them.

- Custom status: at most 16 KB of UTF-16 text, measured as the Durable extension measures it
  (``MessagePayloadDataConverter``: compact JSON, UTF-16 byte count, whole KB rounded down).
- Instance ids: at most 256 characters, no ``/ \\ # ?`` or control characters, not starting with ``@``;
  entity keys: none of those characters (``DurableClient``).
- Messages: the Durable Task Scheduler carries at most 1 MiB per message, so every payload that travels
  as one (inputs, outputs, results, events, entity state) is held to that.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

MAX_CUSTOM_STATUS_KB = 16
MAX_INSTANCE_ID_LENGTH = 256
MAX_MESSAGE_BYTES = 1024 * 1024


class LimitExceeded(ValueError):
    """A payload or identifier that Azure would refuse."""


def check_custom_status(value: Any) -> None:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    size_kb = int(len(text.encode("utf-16-le")) / 1024.0)
    if size_kb > MAX_CUSTOM_STATUS_KB:
        raise LimitExceeded(
            f"The UTF-16 size of the JSON-serialized payload must not exceed {MAX_CUSTOM_STATUS_KB:,} KB. "
            f"The current payload size is {size_kb:,} KB."
        )


def check_instance_id(instance_id: str) -> None:
    if instance_id.startswith("@"):
        raise LimitExceeded("Orchestration instance ids must not start with @.")
    if _has_invalid_character(instance_id):
        raise LimitExceeded("Orchestration instance ids must not contain /, \\, #, ?, or control characters.")
    if len(instance_id) > MAX_INSTANCE_ID_LENGTH:
        raise LimitExceeded(f"Instance ID lengths must not exceed {MAX_INSTANCE_ID_LENGTH} characters.")


def check_entity_key(key: str) -> None:
    if _has_invalid_character(key):
        raise LimitExceeded("Entity keys must not contain /, \\, #, ?, or control characters.")


def check_payload(what: str, text: str | None) -> None:
    """``what`` names the payload for the message ("The input of activity 'send_mail'")."""
    size = len(text.encode("utf-8", "surrogatepass")) if text else 0
    if size > MAX_MESSAGE_BYTES:
        raise LimitExceeded(
            f"{what} is {size:,} bytes; Durable Task Scheduler messages are limited to 1 MiB "
            f"({MAX_MESSAGE_BYTES:,} bytes). Keep large data in storage and pass a reference."
        )


def _has_invalid_character(text: str) -> bool:
    return any(c in "/\\#?" or unicodedata.category(c) == "Cc" for c in text)
