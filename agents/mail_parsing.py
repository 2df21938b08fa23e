"""Reading real mail: raw RFC 822 messages into the facts the spam tools and the agents work with.

Standard library only (`email` with `policy.default`, `html.parser`), so the HTTP edge, the
orchestrator, the function tools and the training script all read mail the same way.
Built to survive what real mail throws at it: unknown or lying charsets, broken base64,
HTML-only bodies, no body at all, malformed headers. Nothing here raises on bad mail.

`render` writes the parsed mail back as a short, readable RFC 822 text (the headers that matter,
a summary of the MIME structure and the readable body). That text is what the agents are shown,
and `parse` reads it back to the same facts, so a tool given the text an agent saw scores
exactly what the training script scored on the raw message.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from html.parser import HTMLParser

MAX_RAW_BYTES = 512 * 1024
"""The largest raw message the app accepts."""
MAX_TEXT_CHARS = 100_000
"""The readable body is cut here: enough for any real letter, bounded for the model's prompt."""
MAX_HEADER_CHARS = 1_000
MAX_LISTED = 30
"""Header values, Received hops and attachment names are cut too, so no message floods a prompt through them."""

BODY_FORMATS = ("plain text", "html only", "plain text and html", "no body")
SUMMARY_HEADERS = ("Body-Format", "Charsets", "Transfer-Encodings", "Attachment")
"""The headers `render` adds to describe the MIME structure; `parse` reads them back."""
_RENDERED_HEADERS = ("From", "Reply-To", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "Received")
_BLOCK_TAGS = frozenset(
    "p br div tr li ul ol table h1 h2 h3 h4 h5 h6 blockquote pre hr dt dd title section article header footer".split()
)
_SKIPPED_TAGS = frozenset({"script", "style", "head", "noscript", "template"})
_FIRST_HEADER = re.compile(r"From |[!-9;-~]+:")
_KNOWN_HEADER = re.compile(r"^(From|Subject|Date|Message-ID|Received|Return-Path|Email-ID):", re.IGNORECASE | re.MULTILINE)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")


@dataclass(frozen=True)
class ParsedMail:
    """What a message says and how it is built, decoded to text."""

    sender: str = ""
    reply_to: str = ""
    to: str = ""
    subject: str = ""
    date: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    received: tuple[str, ...] = ()
    body_format: str = "no body"
    charsets: tuple[str, ...] = ()
    transfer_encodings: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    text: str = ""

    @property
    def is_reply(self) -> bool:
        return bool(self.in_reply_to)


def parse(raw: str | bytes) -> ParsedMail:
    """Parse a raw message (or text written by `render`); never raises on malformed mail."""
    data = to_bytes(raw) if isinstance(raw, str) else raw
    message = BytesParser(policy=policy.default).parsebytes(data.lstrip(b"\r\n\t "))
    headers = {name: _header_values(message, name) for name in (*_RENDERED_HEADERS, *SUMMARY_HEADERS)}
    first = {name: values[0] if values else "" for name, values in headers.items()}
    common = {
        "sender": first["From"],
        "reply_to": first["Reply-To"],
        "to": first["To"],
        "subject": first["Subject"],
        "date": first["Date"],
        "message_id": first["Message-ID"],
        "in_reply_to": first["In-Reply-To"],
        "received": tuple(headers["Received"][:MAX_LISTED]),
    }
    if first["Body-Format"] in BODY_FORMATS and not message.is_multipart():
        # Text written by `render`: the summary headers describe the original message.
        text = _decode(message)
        return ParsedMail(
            **common,
            body_format=first["Body-Format"],
            charsets=_split_list(first["Charsets"]),
            transfer_encodings=_split_list(first["Transfer-Encodings"]),
            attachments=tuple(headers["Attachment"][:MAX_LISTED]),
            text=_clean(text),
        )
    return ParsedMail(**common, **_body(message))


def to_bytes(text: str) -> bytes:
    """A message held as text back to bytes: UTF-8, with bytes the text kept as escapes restored."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate from a JSON "\\ud800" escape
        return text.encode("utf-8", "replace")


def read_text(text: str) -> ParsedMail:
    """Any email text: a raw message or `render`'s text when it starts with mail headers, else a bare body."""
    stripped = text.lstrip()
    header_block = re.split(r"\r?\n\s*\r?\n", stripped, maxsplit=1)[0]
    if _FIRST_HEADER.match(stripped) and _KNOWN_HEADER.search(header_block):
        return parse(stripped)
    return from_fields(text)


def render(mail: ParsedMail, email_id: str | None = None) -> str:
    """The mail as short RFC 822 text for a model to read: key headers, MIME summary, readable body."""
    lines = [f"Email-ID: {_one_line(email_id)}"] if email_id else []
    fields = {
        "From": mail.sender, "Reply-To": mail.reply_to, "To": mail.to, "Subject": mail.subject, "Date": mail.date,
        "Message-ID": mail.message_id, "In-Reply-To": mail.in_reply_to,
    }
    lines += [f"{name}: {_one_line(value)}" for name, value in fields.items() if value]
    lines += [f"Received: {_one_line(hop)}" for hop in mail.received]
    lines.append(f"Body-Format: {mail.body_format}")
    if mail.charsets:
        lines.append(f"Charsets: {', '.join(mail.charsets)}")
    if mail.transfer_encodings:
        lines.append(f"Transfer-Encodings: {', '.join(mail.transfer_encodings)}")
    lines += [f"Attachment: {_one_line(name)}" for name in mail.attachments]
    return "\n".join([*lines, "", mail.text])


def from_fields(content: str, sender: str | None = None, subject: str | None = None) -> ParsedMail:
    """A message known only by its body text and, perhaps, its sender and subject."""
    text = _clean(content)
    return ParsedMail(
        sender=sender or "", subject=subject or "", body_format="plain text" if text else "no body", text=text
    )


def html_to_text(html: str) -> str:
    """Readable text of an HTML body; a link keeps its address after the link text: "Sign in <http://...>"."""
    converter = _HtmlText()
    try:
        converter.feed(html)
        converter.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup; keep what it read
        pass
    return converter.text()


def _body(message: EmailMessage) -> dict[str, object]:
    plain: list[str] = []
    html: list[str] = []
    charsets: dict[str, None] = {}
    encodings: dict[str, None] = {}
    attachments: list[str] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        if charset := part.get_content_charset():
            charsets.setdefault(charset, None)
        if (encoding := str(part.get("Content-Transfer-Encoding", "")).strip().lower()) and encoding not in (
            "7bit", "8bit", "binary"
        ):
            encodings.setdefault(encoding, None)
        name = _filename(part)
        if name or part.get_content_disposition() == "attachment" or not content_type.startswith("text/"):
            if content_type != "message/rfc822":
                attachments.append(name or f"(unnamed {content_type})")
            continue
        if content_type == "text/html":
            html.append(html_to_text(_decode(part)))
        else:
            plain.append(_decode(part))
    plain_text, html_text = _clean("\n\n".join(plain)), _clean("\n\n".join(html))
    if plain_text and html_text:
        body_format = "plain text and html"
    elif html_text:
        body_format = "html only"
    else:
        body_format = "plain text" if plain_text else "no body"
    return {
        "body_format": body_format,
        "charsets": tuple(charsets),
        "transfer_encodings": tuple(encodings),
        "attachments": tuple(attachments[:MAX_LISTED]),
        "text": plain_text or html_text,
    }


def _decode(part: Message) -> str:
    """A part's text: transfer encoding undone, then decoded as UTF-8 if it is valid UTF-8, else in its charset.

    UTF-8 goes first because a message pasted into JSON arrives as UTF-8 whatever its parts declare,
    and text in a legacy charset is almost never valid UTF-8 by accident.
    """
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # a payload the email package cannot even split; read it as it stands
        payload = to_bytes(str(part.get_payload()))
    if not isinstance(payload, bytes):
        return ""
    declared = _known_charset(part.get_content_charset())
    order = (declared, "utf-8") if declared and declared.startswith(("utf-16", "utf-32")) else ("utf-8", declared)
    for charset in filter(None, order):
        try:
            return payload.decode(charset)
        except UnicodeDecodeError:
            continue
    return payload.decode(declared or "latin-1", errors="replace")


def _known_charset(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _filename(part: Message) -> str:
    try:
        return _one_line(part.get_filename() or "")[:MAX_HEADER_CHARS]
    except Exception:  # malformed RFC 2231 parameters
        return ""


def _header_values(message: EmailMessage, name: str) -> list[str]:
    """Every value of a header, decoded; a header the parser chokes on is kept as its raw text."""
    values = []
    for raw_name, raw_value in message.raw_items():
        if raw_name.lower() != name.lower():
            continue
        text = _one_line(_undo_surrogates(str(raw_value)))
        try:
            header = message.policy.header_factory(raw_name, text)
            value = text if header.defects else str(header)  # a header the parser had to guess at stays as sent
        except Exception:
            value = text
        if cleaned := _one_line(value)[:MAX_HEADER_CHARS]:
            values.append(cleaned)
    return values


def _undo_surrogates(value: str) -> str:
    """8-bit header bytes (RFC 6532 allows UTF-8) come out of the bytes parser as surrogates; read them."""
    raw = value.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _clean(text: str) -> str:
    """Normalised line ends and spaces, runs of blank lines folded, cut at MAX_TEXT_CHARS."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()[:MAX_TEXT_CHARS]


class _HtmlText(HTMLParser):
    """Collects the visible text of an HTML document, with line breaks at block elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._skipping = 0
        self._links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self._parts.append("\n")
        elif tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            self._links.append((href, len(self._parts)))
        elif tag == "img" and (alt := (dict(attrs).get("alt") or "").strip()):
            self._parts.append(f" {alt} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self._parts.append("\n")
        elif tag == "a" and self._links:
            self._close_link()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._parts.append(data)

    def text(self) -> str:
        while self._links:  # links left open by broken markup
            self._close_link()
        return _clean("".join(self._parts))

    def _close_link(self) -> None:
        href, start = self._links.pop()
        shown = "".join(self._parts[start:]).strip()
        if href.lower().startswith(("http://", "https://", "www.")) and href not in shown:
            self._parts.append(f" <{href}>")
