"""Outgoing mail: over SMTP when SMTP_HOST is set, else as .eml files in the outbox folder."""

from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
from collections.abc import Mapping
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from typing import Any

from activities.storage import safe_name
from agents.mail_parsing import to_bytes
from settings import MailSettings

logger = logging.getLogger(__name__)


def single_line(value: str) -> str:
    """A header value on one line: a topic or subject pasted with line breaks must not fail the mail."""
    return " ".join(value.split())


def new_message(headers: Mapping[str, str | None], body: str) -> EmailMessage:
    """A plain-text message; every header value is folded to one line, headers without a value are left out."""
    message = EmailMessage()
    for name, value in headers.items():
        if value:
            message[name] = single_line(value)
    message.set_content(body)
    return message


def with_headers_on_top(headers: Mapping[str, str], raw: str) -> bytes:
    """A raw message with headers added on top; an mbox "From " line it starts with is dropped."""
    message = to_bytes(raw.lstrip())
    if message.startswith(b"From "):
        message = message.partition(b"\n")[2]
    lines = [policy.SMTP.fold(name, single_line(value)) for name, value in headers.items()]
    return "".join(lines).encode("ascii") + message


def compose(
    settings: MailSettings, *, to: str, subject: str, body: str, key: str, in_reply_to: str | None = None
) -> EmailMessage:
    """Build a message whose Message-ID derives from the idempotency key, so a resend is recognisable."""
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "localhost"
    headers = {
        "From": settings.sender,
        "To": to,
        "Subject": subject,
        "Date": formatdate(localtime=False, usegmt=True),
        "Message-ID": f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>",
        "X-In-Reply-To-Email-ID": in_reply_to,
    }
    return new_message(headers, body)


def deliver(settings: MailSettings, message: EmailMessage, key: str) -> dict[str, Any]:
    """Send the message and describe what was done."""
    summary = {"to": message["To"], "subject": message["Subject"], "message_id": message["Message-ID"]}
    if settings.smtp_host:
        _send_smtp(settings, message)
        logger.info("Mail %s sent to %s via SMTP %s:%s", summary["message_id"], summary["to"], settings.smtp_host, settings.smtp_port)
        return {**summary, "transport": "smtp", "server": f"{settings.smtp_host}:{settings.smtp_port}"}
    path = Path(settings.outbox_dir).resolve() / f"{safe_name(key.replace('/', '--'))}.eml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(message))
    logger.info("No SMTP_HOST set: mail to %s written to the outbox %s", summary["to"], path)
    return {**summary, "transport": "outbox", "path": str(path)}


def _send_smtp(settings: MailSettings, message: EmailMessage) -> None:
    host, port = str(settings.smtp_host), settings.smtp_port
    if settings.smtp_security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, context=ssl.create_default_context(), timeout=30)
    else:
        client = smtplib.SMTP(host, port, timeout=30)
    with client:
        client.ehlo()
        wants_tls = settings.smtp_security == "starttls" or (
            settings.smtp_security == "auto" and client.has_extn("starttls")
        )
        if wants_tls:
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if settings.smtp_username and settings.smtp_password:
            client.login(settings.smtp_username, settings.smtp_password)
        client.send_message(message)
