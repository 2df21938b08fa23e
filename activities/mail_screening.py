"""The spam flow's first step: the message read once, and the app's own checks on it (no side effect).

Run as an activity, so a raw message is parsed off the HTTP event loop and outside the orchestrator
(whose code runs again on every replay); the result is recorded in the history and the flow works
from it: the text the agents are shown, the checks' verdict, and whether and where a reply may go.
"""

from __future__ import annotations

from dataclasses import replace

from activities.contracts import EmailReading, ReplyRoute, ScreenEmail
from agents.auto_reply import plan_reply
from agents.mail_parsing import from_fields, message_ids, parse, render
from agents.screening import screen, unreadable

MAX_EMAIL_ID_CHARS = 200


def screen_email(request: ScreenEmail) -> EmailReading:
    """The email read once and checked. A field given beside `raw` wins over what the message says; email_id defaults
    to the Message-ID, then to the instance id."""
    email = request.email
    read = parse(email.raw) if email.raw else None
    if read:
        mail = replace(read, sender=email.sender or read.sender, subject=email.subject or read.subject)
    else:
        mail = from_fields(email.content, email.sender, email.subject)
    email_id = email.email_id or _email_id(mail.message_id) or request.instance_id
    text = render(mail, email_id)
    # The message's own From stays in the reply rules: a sender given beside a raw no-reply mail must not answer it.
    plan = plan_reply(read or mail, email.sender, has_headers=read is not None)
    return EmailReading(
        email_id=email_id,
        text=text,
        screening=unreadable(mail.unreadable) if mail.unreadable else screen(text),
        reply=ReplyRoute(
            to=plan.to,
            not_answered=plan.refusal,
            subject=mail.subject or None,
            in_reply_to=plan.in_reply_to,
            references=list(plan.references),
        ),
    )


def _email_id(message_id: str) -> str | None:
    """The Message-ID without its angle brackets, when it is one (printable ASCII, as long as an email_id may be)."""
    ids = message_ids(message_id)
    return ids[0][1:-1] if ids and len(ids[0]) - 2 <= MAX_EMAIL_ID_CHARS else None
