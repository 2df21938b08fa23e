"""Who may get an automatic answer (RFC 3834), where it goes, and how it threads (RFC 5322).

Decided from the headers alone, before any reply is drafted. An automatic answer never goes to
another machine (an auto-responder, a bounce, a no-reply notification) nor to a list or bulk
mail: two responders, or one and a list, would mail each other forever, and mail administrators
block responders that answer lists. A message known only by its fields (no headers) is judged by
its sender alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr

from agents.mail_parsing import MAX_REFERENCES, ParsedMail, message_ids
from settings import single_mailbox

MACHINE_SENDERS = frozenset(
    [
        "mailer-daemon",
        "postmaster",
        "noreply",
        "no-reply",
        "no_reply",
        "donotreply",
        "do-not-reply",
        "do_not_reply",
        "bounce",
        "bounces",
        "listserv",
        "majordomo",
        "auto-reply",
        "autoreply",
    ]
)
"""Local parts of addresses that belong to mail systems and notification senders, never to a person."""
MACHINE_PREFIXES = ("bounce-", "bounces-", "mailer-daemon", "noreply-", "no-reply-")
"""Local parts that start so are machines too (VERP bounce addresses, "noreply-orders")."""
BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
SPECIAL_USE_TLDS = frozenset(
    {"localhost", "local", "internal", "invalid", "test", "lan", "localdomain", "onion", "alt", "arpa"}
)
"""Top-level names no answer may go to: RFC 6761 (localhost, invalid, test), mDNS (local), ICANN's .internal, Tor
(onion, RFC 7686), .alt (RFC 9476), the reverse-DNS and home zones under .arpa, and the names home routers use."""
NULL_PATH = re.compile(r"^\s*(?:\([^()]{0,200}\)\s*)*<\s*(?:\([^()]{0,200}\)\s*)*>")
"""An empty return path, with comments before, inside or after it (`(bounce) <>`): RFC 5322 section 3.6.7."""
LIST_HEADERS = ("List-Id", "List-Post", "List-Unsubscribe")
REPORT_TYPES = ("multipart/report", "message/delivery-status", "message/disposition-notification")
REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|aw|sv|antw|vs)\s*(?:\[\d+\])?\s*:)+\s*", re.IGNORECASE)
"""Reply prefixes as mail clients write them ("Re:", "RE[2]:", German "AW:", Nordic "SV:"), any number of them."""


@dataclass(frozen=True)
class ReplyPlan:
    """Whether to answer automatically, and if so to whom and in which thread."""

    to: str | None
    """The one address to answer: the caller's `sender`, else Reply-To, else From (None: the app's own mailbox)."""
    refusal: str | None
    """Why no automatic answer goes out (a sentence), or None when one may."""
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()


def plan_reply(mail: ParsedMail, given_sender: str | None, has_headers: bool) -> ReplyPlan:
    """Decide from the headers whether `mail` may be answered automatically (RFC 3834 section 2) and where to."""
    to = given_sender or mail.reply_to or mail.sender or None
    if refusal := refusal_of(mail, to, has_headers):
        return ReplyPlan(None, refusal)
    address = str(single_mailbox(to)) if to else None
    own_id = next(iter(message_ids(mail.message_id)), None) if has_headers else None
    if not own_id:
        return ReplyPlan(address, None)
    references = mail.references if own_id in mail.references else (*mail.references, own_id)
    if len(references) > MAX_REFERENCES:  # the thread's root and the most recent ones, as mail.references keeps them
        references = (references[0], *references[1 - MAX_REFERENCES :])
    return ReplyPlan(address, None, own_id, references)


def refusal_of(mail: ParsedMail, to: str | None, has_headers: bool) -> str | None:
    """The first RFC 3834 rule that forbids answering `mail` at `to` automatically, as a sentence; else None."""
    if has_headers:
        for check in (_auto_submitted, _bulk, _list, _report, _null_return_path):
            if reason := check(mail):
                return reason
        if not to:
            return "It has no sender address to answer."
    if not to:
        return None  # fields without a sender: answered to the app's own mailbox, as ever
    try:
        recipient = single_mailbox(to)
    except ValueError as error:
        return f"Its reply address {to!r} is not usable: it {error}."
    if not _public_domain(recipient.domain):
        return (
            f"Its reply address {recipient.addr_spec} is not on a public domain name (an IP address or a local name)."
        )
    for address in (recipient, *_addresses(mail.sender)):
        if _is_machine(address):
            return f"Its sender {address.addr_spec} is a mail system or a no-reply address, not a person."
    return None


def _public_domain(domain: str) -> bool:
    """Whether an answer may go to `domain`: a name in the public DNS, not an address literal (`[127.0.0.1]`), a
    single label (`localhost`, `intranet`) or a special-use name that never leaves a site (RFC 6761, RFC 8375)."""
    labels = domain.lower().rstrip(".").split(".")
    return (
        len(labels) >= 2
        and not domain.startswith("[")
        and all(labels)
        and not labels[-1].isdigit()  # a bare IPv4 address
        and labels[-1] not in SPECIAL_USE_TLDS
    )


def reply_subject(subject: str) -> str:
    """The subject with exactly one "Re: " in front (RFC 5322 section 3.6.5), whatever prefixes it had."""
    return f"Re: {REPLY_PREFIX.sub('', subject).strip() or '(no subject)'}"


def _auto_submitted(mail: ParsedMail) -> str | None:
    value = mail.auto_submitted.split(";", 1)[0].strip().lower()
    return f"It was sent automatically (Auto-Submitted: {mail.auto_submitted})." if value and value != "no" else None


def _bulk(mail: ParsedMail) -> str | None:
    if mail.precedence.strip().lower() in BULK_PRECEDENCE:
        return f"It is bulk or list mail (Precedence: {mail.precedence})."
    return None


def _list(mail: ParsedMail) -> str | None:
    values = {"List-Id": mail.list_id, "List-Post": mail.list_post, "List-Unsubscribe": mail.list_unsubscribe}
    for name in LIST_HEADERS:
        if values[name]:
            return f"It came through a mailing list ({name}: {values[name][:200]})."
    return None


def _report(mail: ParsedMail) -> str | None:
    if mail.message_type.startswith(REPORT_TYPES):
        return f"It is a delivery or read report ({mail.message_type}), written by a mail system."
    return None


def _null_return_path(mail: ParsedMail) -> str | None:
    if NULL_PATH.match(mail.return_path):
        return "It has an empty return path (Return-Path: <>), as bounces and other automatic messages do."
    return None


def _addresses(header: str) -> list[Address]:
    address = parseaddr(header)[1]
    if "@" not in address:
        return []
    try:
        return [single_mailbox(address)]
    except ValueError:
        return []


def _is_machine(address: Address) -> bool:
    local = address.username.lower().split("+", 1)[0]
    return local in MACHINE_SENDERS or local.startswith(MACHINE_PREFIXES)
