"""Outgoing mail: over SMTP when SMTP_HOST is set, else as .eml files in the outbox folder."""

from __future__ import annotations

import logging
import smtplib
import ssl
import textwrap
from collections.abc import Mapping
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from activities.contracts import Thread
from activities.failures import smtp_failure
from activities.storage import LocalFolderStore
from agents.mail_parsing import message_ids, to_bytes
from settings import MailSettings, single_mailbox

logger = logging.getLogger(__name__)

SMTP_MAX_LINE_BYTES = 998


def single_line(value: str) -> str:
    """A header value on one line: a topic or subject pasted with line breaks must not fail the mail."""
    return " ".join(value.split())


def new_message(headers: Mapping[str, str | None], body: str) -> EmailMessage:
    """A plain-text message; every header value is folded to one line, headers without a value are left out.

    The body is sent as it reads (7bit, or 8bit UTF-8), never quoted-printable: soft line breaks would cut
    the links and commands in it for anyone who reads the mail as plain text. Only lines longer than SMTP
    allows are wrapped.
    """
    message = EmailMessage()
    for name, value in headers.items():
        if value:
            message[name] = single_line(value)
    text = "\n".join(_within_smtp_limit(line) for line in body.splitlines())
    message.set_content(text, cte="7bit" if text.isascii() else "8bit")
    return message


def _within_smtp_limit(line: str) -> str:
    """A body line as it is, or wrapped at word boundaries when longer than SMTP's 998 characters."""
    if len(line.encode()) <= SMTP_MAX_LINE_BYTES:
        return line
    return "\n".join(textwrap.wrap(line, width=SMTP_MAX_LINE_BYTES // 4, break_long_words=True, break_on_hyphens=False))


def with_headers_on_top(headers: Mapping[str, str], raw: str) -> bytes:
    """A raw message with headers added on top; an mbox "From " line it starts with is dropped."""
    message = to_bytes(raw.lstrip())
    if message.startswith(b"From "):
        message = message.partition(b"\n")[2]
    lines = [policy.SMTP.fold(name, single_line(value)) for name, value in headers.items()]
    return "".join(lines).encode("ascii") + message


def compose(
    settings: MailSettings,
    *,
    to: Address,
    subject: str,
    body: str,
    key: str,
    in_reply_to: str | None = None,
    thread: Thread | None = None,
    notice: bool = False,
) -> EmailMessage:
    """Build a message whose Message-ID is the idempotency key, so a resend is recognisable.

    `thread` makes it an automatic reply: In-Reply-To and References name the original (RFC 5322 section 3.6.4),
    so mail clients thread it, and `Auto-Submitted: auto-replied` says no person wrote it (RFC 3834), so other
    responders leave it unanswered. `notice` marks a mail the app sends of its own accord (a review request, an
    escalation, an outcome) `Auto-Submitted: auto-generated`, for the same reason (RFC 3834 section 5).
    `in_reply_to` is the app's own email id of the original.
    """
    sender = single_mailbox(settings.sender)
    headers = {
        "From": str(sender),
        "To": str(to),
        "Subject": subject,
        "Date": formatdate(localtime=False, usegmt=True),
        "Message-ID": f"<{key}@{sender.domain}>",
        "X-In-Reply-To-Email-ID": in_reply_to,
        "Auto-Submitted": "auto-generated" if notice else None,
    }
    if thread is not None:
        references = [ref for ref in thread.references if message_ids(ref) == [ref]]
        original = thread.in_reply_to
        headers |= {
            "In-Reply-To": original if original and message_ids(original) == [original] else None,
            "References": " ".join(references) or None,
            "Auto-Submitted": "auto-replied",
        }
    return new_message(headers, body)


def deliver(settings: MailSettings, message: EmailMessage, to: Address, outbox_name: str) -> dict[str, Any]:
    """Send the message to `to` alone (whatever its headers say) and describe what was done.

    Without SMTP the message is written to the outbox folder as `outbox_name`.
    """
    summary = {"to": message["To"], "subject": message["Subject"], "message_id": message["Message-ID"]}
    if settings.smtp_host:
        try:
            _send_smtp(settings, message, to)
        except (smtplib.SMTPException, OSError) as error:
            raise smtp_failure(error, settings.server) from error
        logger.info("Mail %s sent to %s via SMTP %s", summary["message_id"], to.addr_spec, settings.server)
        return {**summary, "transport": "smtp", "server": settings.server}
    path = LocalFolderStore(settings.outbox_dir).put(outbox_name, bytes(message), "message/rfc822")
    logger.info("No SMTP_HOST set: mail to %s written to the outbox %s", to.addr_spec, path)
    return {**summary, "transport": "outbox", "path": path}


def _send_smtp(settings: MailSettings, message: EmailMessage, to: Address) -> None:
    host, port, timeout = str(settings.smtp_host), settings.smtp_port, settings.smtp_timeout_seconds
    if settings.smtp_security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, context=ssl.create_default_context(), timeout=timeout)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    try:
        client.ehlo()
        wants_tls = settings.smtp_security == "starttls" or (
            settings.smtp_security == "auto" and client.has_extn("starttls")
        )
        if wants_tls:
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if settings.smtp_username and settings.smtp_password:
            client.login(settings.smtp_username, settings.smtp_password)
        # The envelope names the one parsed recipient: headers never add recipients (no Cc/Bcc expansion).
        client.send_message(message, from_addr=single_mailbox(settings.sender).addr_spec, to_addrs=[to.addr_spec])
    except BaseException:
        client.close()
        raise
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):  # the mail was accepted: a failed goodbye must not send it again
        client.close()
