"""How the offline model reads its input: plain parsing of the prompts the flows send.

An email is recognised by RFC 822 style headers (From:, Subject:); other prompts by
labelled lines ("Topic: ...", "Reviewer feedback: ...") and fenced JSON blocks.
Anything unrecognised is taken as free text, so direct calls to an agent still work.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email.utils import parseaddr

from agents.mail_parsing import read_text

HEADER_START = re.compile(
    r"^(From |(From|Subject|Email-ID|To|Date|Received|Return-Path|Message-ID|Delivered-To|Reply-To):)", re.MULTILINE
)
JSON_BLOCK = re.compile(r"```json\s*\n(.*?)\n```", re.DOTALL)
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "how",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "our",
        "the",
        "their",
        "this",
        "to",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
        "your",
        "you",
        "we",
        "us",
        "vs",
        "versus",
        "about",
    ]
)


QUOTED_LINE = re.compile(r"^\s*>|^On .{1,200} wrote:\s*$")
"""A line quoted from an earlier message, or the attribution line above the quote."""
SENTENCE = re.compile(r"[^.!?\n]*[.!?\n]?")
GREETING = re.compile(r"^(?:hi|hello|hey|dear)\b[^,?]{0,40},\s*", re.IGNORECASE)


@dataclass(frozen=True)
class EmailText:
    """The parts of an email the offline model works with."""

    sender: str
    subject: str
    body: str

    @property
    def full_text(self) -> str:
        headers = [f"From: {self.sender}" if self.sender else "", f"Subject: {self.subject}" if self.subject else ""]
        return "\n".join([*filter(None, headers), "", self.body]).strip()

    @property
    def sender_name(self) -> str:
        name, address = parseaddr(self.sender)
        if name:
            return name.split()[0]
        local = address.split("@", 1)[0]
        return re.split(r"[._\-+]", local)[0].capitalize() if local else ""


def email_text(prompt: str) -> str:
    """The email in a prompt: from its first header on; without headers, all after a one-line request."""
    if match := HEADER_START.search(prompt):
        return prompt[match.start() :]
    request, _, rest = prompt.strip().partition("\n\n")
    return rest.strip() if rest.strip() and "\n" not in request and request.endswith(("?", ":")) else prompt.strip()


def read_email(prompt: str) -> EmailText:
    """Find the email in a prompt: headers and body when present, else the whole text as body."""
    mail = read_text(email_text(prompt))
    return EmailText(sender=mail.sender, subject=mail.subject, body=mail.text)


def labelled(prompt: str, label: str) -> str | None:
    """The text after "<label>:" up to the next blank line, if the label is present."""
    match = re.search(rf"^{re.escape(label)}:\s*(.*?)(?:\n\s*\n|\Z)", prompt, re.MULTILINE | re.DOTALL)
    return match.group(1).strip() if match else None


def json_blocks(prompt: str) -> list[dict[str, object]]:
    """Every fenced ```json block that holds an object."""
    blocks = []
    for raw in JSON_BLOCK.findall(prompt):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            blocks.append(value)
    return blocks


def keywords(text: str, limit: int = 4) -> list[str]:
    """The distinctive words of a short text (a topic), in order of appearance."""
    seen: dict[str, None] = {}
    for word in re.findall(r"[A-Za-z][A-Za-z0-9+#.-]*", text):
        cleaned = word.strip(".-")
        if cleaned.lower() not in STOP_WORDS and len(cleaned) > 2:
            seen.setdefault(cleaned, None)
    return list(seen)[:limit]


def questions(text: str) -> list[str]:
    """The sender's own sentences that end with a question mark: quoted lines of earlier messages (`> ...`) and their
    "On ... wrote:" line are left out, and a greeting before the question ("Hi Bob, could we ...?") is dropped."""
    own = "\n".join(line for line in text.splitlines() if not QUOTED_LINE.match(line))
    sentences = (match.group().strip() for match in SENTENCE.finditer(own))  # one pass: linear on any text
    asked = (GREETING.sub("", sentence) for sentence in sentences if sentence.endswith("?"))
    return [q[0].upper() + q[1:] for q in asked if len(q) > 3]
