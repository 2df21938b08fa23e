"""Reading real mail: raw RFC 822 messages into the facts the spam tools and the agents work with.

Standard library only (`email` with `policy.default`, bounded, and `html.parser`), so the HTTP edge, the
orchestrator, the function tools and the training script all read mail the same way.
Built to survive what real mail throws at it: unknown or lying charsets, broken base64,
HTML-only bodies, no body at all, malformed headers. Nothing here raises on bad mail, and the
work per message is bounded: a linear scan (`structure_problem`) refuses, before the `email`
parser sees it, a message nested deeper, split into more parts or with a longer header block
than any real mail, which the parser would otherwise follow into its recursion limit or for
seconds of CPU. Such a message comes back as `ParsedMail.unreadable` with the reason.

`render` writes the parsed mail back as a short, readable RFC 822 text (the headers that matter,
a summary of the MIME structure and the readable body). That text is what the agents are shown,
and `parse` reads it back to the same facts, so a tool given the text an agent saw scores
exactly what the training script scored on the raw message.
"""

from __future__ import annotations

import codecs
import functools
import re
from dataclasses import dataclass, replace
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from html.parser import HTMLParser
from typing import TYPE_CHECKING, cast

MAX_RAW_BYTES = 512 * 1024
"""The largest raw message the app accepts."""
MAX_TEXT_CHARS = 100_000
"""The readable body is cut here: enough for any real letter, bounded for the model's prompt."""
MAX_HEADER_CHARS = 1_000
MAX_LISTED = 30
"""Header values, Received hops and attachment names are cut too, so no message floods a prompt through them."""
MAX_PARSED_HEADER_CHARS = 16_000
"""The most of one header value the header parser reads (References, the longest real header, keeps this much)."""
MAX_STRUCTURED_HEADER_CHARS = 1_000
"""The most the parser reads of an address, date or MIME header: its work grows with the square of their length
on some input (runs of quotes or semicolons): 0.05 s for 1,000 characters, 148 s for 90,000 (bench.mail_parsing)."""
MIN_STRUCTURED_HEADER_CHARS = 100
STRUCTURED_BUDGET = 50_000
"""Characters of structured headers one message may have parsed up to MAX_STRUCTURED_HEADER_CHARS each; beyond
it, MIN_STRUCTURED_HEADER_CHARS each. Real mail stays far below; it bounds a hostile message's parsing time."""
STRUCTURED_HEADERS = frozenset(
    [
        "from",
        "to",
        "cc",
        "bcc",
        "sender",
        "reply-to",
        "resent-from",
        "resent-to",
        "resent-cc",
        "resent-bcc",
        "resent-sender",
        "date",
        "resent-date",
        "orig-date",
        "message-id",
        "mime-version",
        "content-type",
        "content-disposition",
        "content-transfer-encoding",
    ]
)
MAX_HEADER_BLOCK_BYTES = 100 * 1024
"""The largest header block read (Postfix's default `header_size_limit`); real mail stays far below."""
MAX_PARTS = 500
"""The most MIME parts a message may have; a message with hundreds of attachments is already extraordinary."""
MAX_DEPTH = 20
"""The deepest nesting of MIME containers (multiparts, attached messages); real mail rarely goes beyond five."""
MAX_REFERENCES = 20
"""References kept for threading: the first (the thread's root) and the most recent ones (RFC 5537's practice)."""
ALTERNATIVE_MARK = "----- the HTML part of this message, as text -----"
"""Where `render` starts the HTML alternative of a message that has a text part too; `parse` splits there."""

BODY_FORMATS = ("plain text", "html only", "plain text and html", "no body")
SUMMARY_HEADERS = ("Message-Type", "Body-Format", "Charsets", "Transfer-Encodings", "Attachment")
"""The headers `render` adds to describe the MIME structure; `parse` reads them back."""
_ADDRESS_HEADERS = ("From", "Reply-To", "To")
_RENDERED_HEADERS = (
    *_ADDRESS_HEADERS,
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "Return-Path",
    "Auto-Submitted",
    "Precedence",
    "List-Id",
    "List-Post",
    "List-Unsubscribe",
    "Authentication-Results",
    "Received",
)
_BLOCK_TAGS = frozenset(
    [
        "p",
        "br",
        "div",
        "tr",
        "li",
        "ul",
        "ol",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "hr",
        "dt",
        "dd",
        "title",
        "section",
        "article",
        "header",
        "footer",
    ]
)
_SKIPPED_TAGS = frozenset({"script", "style", "head", "noscript", "template"})
_FIRST_HEADER = re.compile(r"From |[!-9;-~]+:")
_KNOWN_HEADER = re.compile(
    r"^(From|Subject|Date|Message-ID|Received|Return-Path|Email-ID):", re.IGNORECASE | re.MULTILINE
)
_MESSAGE_ID = re.compile(r"<[!-;=?A-~]{1,250}@[!-;=?A-~]{1,250}>")
"""A msg-id (RFC 5322 section 3.6.4) of printable ASCII, as it may be copied into a reply's headers."""
_BOUNDARY = re.compile(rb'boundary\*?0?\*?[ \t]*=[ \t]*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))', re.IGNORECASE)
_CONTENT_TYPE = re.compile(rb"content-type:[ \t]*(message/)?", re.IGNORECASE)
_EXTENDED_CHARSET = re.compile(r"\s*(?:\([^()]{0,200}\)\s*)*[^\s=*;]{0,100}\s*\*[0-9]*\*?\s*=\s*([^'\s;]{1,100})'")
"""The charset an RFC 2231 parameter names (`filename*=charset'lang'value`, `name*0*=charset'...`), comments and
folding allowed before its name."""
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_BLANK_TEXT_LINE = re.compile(r"\r?\n[ \t]*\r?\n")
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
    references: tuple[str, ...] = ()
    """Message-IDs of the thread (the References header), for threading a reply; not rendered."""
    return_path: str = ""
    auto_submitted: str = ""
    precedence: str = ""
    list_id: str = ""
    list_post: str = ""
    list_unsubscribe: str = ""
    authentication_results: tuple[str, ...] = ()
    received: tuple[str, ...] = ()
    message_type: str = ""
    """The top-level MIME type, with the report type of a multipart/report ("multipart/report; delivery-status")."""
    body_format: str = "no body"
    charsets: tuple[str, ...] = ()
    transfer_encodings: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    text: str = ""
    alternative: str = ""
    """The HTML part as text when the message has a text part too and the HTML says more than it."""
    unreadable: str = ""
    """Why the message was not parsed (beyond the limits on nesting, parts or header size), else empty."""

    @property
    def is_reply(self) -> bool:
        return bool(self.in_reply_to)

    @property
    def views(self) -> tuple[str, ...]:
        """Each readable version of the body: the text, and the HTML alternative when it has one."""
        return (self.text, self.alternative) if self.alternative else (self.text,)


def parse(raw: str | bytes) -> ParsedMail:
    """Parse a raw message (or text written by `render`); never raises on malformed or hostile mail."""
    data = (to_bytes(raw) if isinstance(raw, str) else raw).lstrip(b"\r\n\t ")
    if problem := structure_problem(data):
        return replace(_header_facts(_headers(_header_block(data))), unreadable=problem)
    try:
        message = message_from_bytes(data, policy=_BoundedPolicy())
        headers = _headers(message)
        mail = _header_facts(headers)
        summary = {name: values[0] if values else "" for name, values in headers.items() if name in SUMMARY_HEADERS}
        if summary["Body-Format"] in BODY_FORMATS and not message.is_multipart():
            # Text written by `render`: the summary headers describe the original message.
            text, _, alternative = _decode(message).partition(f"\n{ALTERNATIVE_MARK}\n")
            text, alternative = _texts(text, alternative if summary["Body-Format"] == "plain text and html" else "")
            return replace(
                mail,
                message_type=summary["Message-Type"],
                body_format=summary["Body-Format"],
                charsets=_split_list(summary["Charsets"]),
                transfer_encodings=_split_list(summary["Transfer-Encodings"]),
                attachments=tuple(headers["Attachment"][:MAX_LISTED]),
                text=text,
                alternative=alternative,
            )
        return _with_body(replace(mail, message_type=_message_type(message)), message)
    except RecursionError:  # nesting the scan could not see (an encoded boundary parameter, say)
        return ParsedMail(unreadable=f"MIME parts nested too deeply to read (at most {MAX_DEPTH} levels)")


def structure_problem(data: bytes) -> str | None:
    """Why a raw message is beyond what real mail does, found in one linear pass before any MIME parsing.

    Limits: the header block (MAX_HEADER_BLOCK_BYTES), the MIME parts (MAX_PARTS, counted as delimiter
    lines of the declared boundaries) and the nesting of multiparts and attached messages (MAX_DEPTH).
    """
    head = _BLANK_LINE.search(data, 0, MAX_HEADER_BLOCK_BYTES + 4)
    if head is None and len(data) > MAX_HEADER_BLOCK_BYTES:
        return f"its header block is longer than {MAX_HEADER_BLOCK_BYTES // 1024} KB"
    boundaries = {b"--" + (quoted or bare) for quoted, bare in _BOUNDARY.findall(data)}
    parts = deepest = attached = 0
    open_boundaries: list[bytes] = []
    folded_type = False  # "Content-Type:" with its value on the next line
    for line in data.splitlines():
        kind = _CONTENT_TYPE.match(line)
        if (kind and kind.group(1)) or (folded_type and line.lstrip().lower().startswith(b"message/")):
            attached += 1  # a message inside a part: one level deeper until the part ends
            deepest = max(deepest, len(open_boundaries) + attached)
        folded_type = kind is not None and not line[kind.end() :].strip()
        if line.startswith(b"--") and (boundary := _delimiter_of(line, boundaries)):
            name, closing = boundary
            if name in open_boundaries:
                del open_boundaries[open_boundaries.index(name) + (0 if closing else 1) :]
            elif not closing:
                open_boundaries.append(name)
            parts += not closing
            attached = 0
            deepest = max(deepest, len(open_boundaries))
            if parts > MAX_PARTS:
                return f"it has more than {MAX_PARTS} MIME parts"
        if deepest > MAX_DEPTH:
            return f"its MIME parts are nested more than {MAX_DEPTH} levels deep"
    return None


def _delimiter_of(line: bytes, boundaries: set[bytes]) -> tuple[bytes, bool] | None:
    """The boundary a delimiter line names and whether it closes its multipart, or None for any other line."""
    delimiter = line.rstrip()
    if delimiter in boundaries:
        return delimiter, False
    if delimiter.endswith(b"--") and delimiter[:-2] in boundaries:
        return delimiter[:-2], True
    return None


def _headers(message: EmailMessage) -> dict[str, list[str]]:
    headers = {name: _header_values(message, name) for name in (*_RENDERED_HEADERS, *SUMMARY_HEADERS)}
    return {**headers, "References": _header_values(message, "References", limit=MAX_PARSED_HEADER_CHARS)}


def _header_block(data: bytes) -> EmailMessage:
    """Only the header block of a message (cut at MAX_HEADER_BLOCK_BYTES), parsed alone."""
    end = _BLANK_LINE.search(data, 0, MAX_HEADER_BLOCK_BYTES + 4)
    block = data[: end.start() if end else MAX_HEADER_BLOCK_BYTES]
    return message_from_bytes(block + b"\n\n", policy=_BoundedPolicy())


def _header_facts(headers: dict[str, list[str]]) -> ParsedMail:
    """The mail as its headers describe it (no body yet)."""
    first = {name: values[0] if values else "" for name, values in headers.items()}
    return ParsedMail(
        sender=first["From"],
        reply_to=first["Reply-To"],
        to=first["To"],
        subject=first["Subject"],
        date=first["Date"],
        message_id=first["Message-ID"],
        in_reply_to=first["In-Reply-To"],
        references=_thread(headers["References"]),
        return_path=first["Return-Path"],
        auto_submitted=first["Auto-Submitted"],
        precedence=first["Precedence"],
        list_id=first["List-Id"],
        list_post=first["List-Post"],
        list_unsubscribe=first["List-Unsubscribe"],
        authentication_results=tuple(headers["Authentication-Results"][:MAX_LISTED]),
        received=tuple(headers["Received"][:MAX_LISTED]),
    )


def message_ids(value: str) -> list[str]:
    """The Message-IDs (`<left@right>`) in a header value, in order."""
    return _MESSAGE_ID.findall(value)


def _thread(values: list[str]) -> tuple[str, ...]:
    ids = list(dict.fromkeys(message_ids(" ".join(values))))
    return tuple(ids if len(ids) <= MAX_REFERENCES else [ids[0], *ids[1 - MAX_REFERENCES :]])


def _message_type(message: EmailMessage) -> str:
    content_type = message.get_content_type()
    if content_type == "multipart/report":
        return f"{content_type}; {_one_line(str(message.get_param('report-type', '')))[:100]}".rstrip("; ")
    return content_type


def to_bytes(text: str) -> bytes:
    """A message held as text back to bytes: UTF-8, with bytes the text kept as escapes restored."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate from a JSON "\\ud800" escape
        return text.encode("utf-8", "replace")


def read_text(text: str) -> ParsedMail:
    """Any email text: a raw message or `render`'s text when it starts with mail headers, else a bare body."""
    return parse(text.lstrip()) if looks_like_mail(text) else from_fields(text)


def looks_like_mail(text: str) -> bool:
    """Whether text starts as an RFC 822 message does: header fields, among them one every message has.

    Only the first MAX_HEADER_BLOCK_BYTES characters are read, so the check costs the same on any input.
    """
    start = text[:MAX_HEADER_BLOCK_BYTES].lstrip()
    header_block = _BLANK_TEXT_LINE.split(start, maxsplit=1)[0]
    return bool(_FIRST_HEADER.match(start) and _KNOWN_HEADER.search(header_block))


def render(mail: ParsedMail, email_id: str | None = None) -> str:
    """The mail as short RFC 822 text for a model to read: key headers, MIME summary, readable body."""
    lines = [f"Email-ID: {_one_line(email_id)}"] if email_id else []
    fields = {
        "From": mail.sender,
        "Reply-To": mail.reply_to,
        "To": mail.to,
        "Subject": mail.subject,
        "Date": mail.date,
        "Message-ID": mail.message_id,
        "In-Reply-To": mail.in_reply_to,
        "Return-Path": mail.return_path,
        "Auto-Submitted": mail.auto_submitted,
        "Precedence": mail.precedence,
        "List-Id": mail.list_id,
        "List-Post": mail.list_post,
        "List-Unsubscribe": mail.list_unsubscribe,
    }
    lines += [f"{name}: {_one_line(value)}" for name, value in fields.items() if value]
    lines += [f"Authentication-Results: {_one_line(result)}" for result in mail.authentication_results]
    lines += [f"Received: {_one_line(hop)}" for hop in mail.received]
    if mail.message_type:
        lines.append(f"Message-Type: {mail.message_type}")
    lines.append(f"Body-Format: {mail.body_format}")
    if mail.charsets:
        lines.append(f"Charsets: {', '.join(mail.charsets)}")
    if mail.transfer_encodings:
        lines.append(f"Transfer-Encodings: {', '.join(mail.transfer_encodings)}")
    lines += [f"Attachment: {_one_line(name)}" for name in mail.attachments]
    body = f"{mail.text}\n\n{ALTERNATIVE_MARK}\n\n{mail.alternative}" if mail.alternative else mail.text
    return "\n".join([*lines, "", body])


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


def _with_body(mail: ParsedMail, message: EmailMessage) -> ParsedMail:
    """`mail` with the readable text of every part, the HTML alternative, charsets, encodings and attachments."""
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
            "7bit",
            "8bit",
            "binary",
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
    alternative = html_text if plain_text and _says_more(html_text, plain_text) else ""
    text, alternative = _texts(plain_text or html_text, alternative)
    return replace(
        mail,
        body_format=body_format,
        charsets=tuple(charsets),
        transfer_encodings=tuple(encodings),
        attachments=tuple(attachments[:MAX_LISTED]),
        text=text,
        alternative=alternative,
    )


def _texts(text: str, alternative: str) -> tuple[str, str]:
    """The body and its HTML alternative, each bounded; with both, each gets half of MAX_TEXT_CHARS, so a long
    harmless text part cannot push the HTML part out of what is read."""
    if not alternative.strip():
        return _clean(text), ""
    half = MAX_TEXT_CHARS // 2
    return _clean(text)[:half].rstrip(), _clean(alternative)[:half].rstrip()


def _says_more(html_text: str, plain_text: str) -> bool:
    """Whether the HTML part has words or links the text part lacks (usually both say the same)."""
    known = {word.strip("<>()[].,;:!?\"'") for word in plain_text.split()}
    return any(word.strip("<>()[].,;:!?\"'") not in known for word in html_text.split())


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
    try:
        declared = _known_charset(part.get_content_charset())
    except Exception:  # an RFC 2231 charset parameter in a charset no decoder reads
        declared = None
    order = (declared, "utf-8") if declared and declared.startswith(("utf-16", "utf-32")) else ("utf-8", declared)
    for charset in filter(None, order):
        try:
            return payload.decode(charset)
        except UnicodeError:
            continue
    return payload.decode(declared or "latin-1", errors="replace")


@functools.lru_cache(maxsize=256)
def _known_charset(name: str | None) -> str | None:
    """The codec of a declared charset, if it is one that decodes any bytes to text, with replacement characters
    where it must; else None. A message may name any codec: `rot13` and `base64` are not text encodings, and
    `idna` or `undefined` cannot decode arbitrary bytes at all."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name)
        b"text \xff".decode(codec.name, errors="replace")
    except (LookupError, ValueError):  # unknown, not a text encoding, a NUL in the name, or UnicodeError
        return None
    return codec.name


def _filename(part: Message) -> str:
    try:
        return _one_line(part.get_filename() or "")[:MAX_HEADER_CHARS]
    except Exception:  # malformed RFC 2231 parameters
        return ""


def _header_values(message: EmailMessage, name: str, limit: int = MAX_HEADER_CHARS) -> list[str]:
    """Every value of a header, decoded; a header the parser chokes on is kept as its raw text."""
    values: list[str] = []
    for raw_name, raw_value in message.raw_items():
        if raw_name.lower() != name.lower():
            continue
        text = _one_line(_undo_surrogates(str(raw_value)[: _parsed_length(raw_name)]))
        try:
            header = policy.default.header_factory(raw_name, text)
            value = text if header.defects else str(header)  # a header the parser had to guess at stays as sent
        except Exception:
            value = text
        if cleaned := _one_line(value)[:limit]:
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


def _parsed_length(name: str) -> int:
    return MAX_STRUCTURED_HEADER_CHARS if name.lower() in STRUCTURED_HEADERS else MAX_PARSED_HEADER_CHARS


if TYPE_CHECKING:  # generic in typeshed only: at run time EmailPolicy takes no type argument
    _EmailMessagePolicy = EmailPolicy[EmailMessage]
else:
    _EmailMessagePolicy = EmailPolicy


class _BoundedPolicy(_EmailMessagePolicy):
    """`policy.default`, except that the header parser reads each value once and only its start: at most
    `_parsed_length` characters, and once a message's structured headers have used up STRUCTURED_BUDGET
    characters, MIN_STRUCTURED_HEADER_CHARS. Every part's Content-Type is read several times while a message
    is parsed and walked, and a message may have hundreds of parts."""

    def __init__(self) -> None:
        super().__init__()
        # Policies are frozen; this one carries the characters of structured headers its message may still
        # have parsed in full (a new policy per message).
        object.__setattr__(self, "budget", [STRUCTURED_BUDGET])

    def header_fetch_parse(self, name: str, value: str) -> str:
        if hasattr(value, "name"):  # already parsed
            return cast(str, super().header_fetch_parse(name, value))  # typeshed leaves the result unannotated
        limit = _parsed_length(name)
        budget: list[int] = self.__dict__["budget"]
        if limit == MAX_STRUCTURED_HEADER_CHARS:
            limit = MIN_STRUCTURED_HEADER_CHARS if budget[0] <= 0 else limit
            budget[0] -= min(len(value), limit)
        return _parsed_header(name, value[:limit])


@functools.lru_cache(maxsize=1024)
def _parsed_header(name: str, value: str) -> str:
    """A header as `policy.default` parses it; the parsed header is immutable, so one copy serves every fetch.

    A parameter in RFC 2231 form (`filename*=idna''%ff.pdf`) is decoded in the charset it names, and the standard
    library lets the error of a charset that cannot decode it escape: such parameters are left out instead.
    """
    # A header object (a str subclass); typeshed leaves EmailPolicy.header_fetch_parse's result unannotated.
    try:
        return cast(str, policy.default.header_fetch_parse(name, value))
    except (LookupError, ValueError):  # UnicodeError is a ValueError
        pass
    head, *parameters = _parameters(value)
    readable = ";".join([head, *(parameter for parameter in parameters if _decodable(parameter))])
    for attempt in (readable, head):  # without what cannot decode; then bare
        try:
            return cast(str, policy.default.header_fetch_parse(name, attempt))
        except (LookupError, ValueError):
            continue
    return cast(str, policy.default.header_fetch_parse("X-Unparsed", head))


def _parameters(value: str) -> list[str]:
    """A header value split at the semicolons between its parameters (not those inside quoted strings)."""
    pieces, start, quoted, escaped = [], 0, False, False
    for index, char in enumerate(value):
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            pieces.append(value[start:index])
            start = index + 1
    return [*pieces, value[start:]]


def _decodable(parameter: str) -> bool:
    """Whether a parameter is plain, or in RFC 2231 form with a charset that decodes any bytes."""
    named = _EXTENDED_CHARSET.match(parameter)
    return named is None or _known_charset(named[1]) is not None


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
