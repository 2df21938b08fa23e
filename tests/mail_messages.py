"""Real messages as a mailbox receives them, built with the `email` package: people, machines, lists, phishing.

Each function answers the message as text, ready to send as {"raw": ...}. The delivery status notification
is written out as a mail system writes it (RFC 3464), since the `email` package does not build reports.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

PHISHING_LINK = "http://203.0.113.7/owa/login"


def _message(sender: str, subject: str, body: str, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "Help Desk <help@example.com>"
    message["Subject"] = subject
    message["Date"] = "Mon, 07 Dec 2026 08:00:00 +0000"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def as_text(message: EmailMessage) -> str:
    return message.as_bytes(policy=SMTP).decode()


def personal(message_id: str = "<invoice-question-3@example.org>") -> str:
    """A person's question in an ongoing thread, asking that answers go to their other address."""
    return as_text(
        _message(
            "Ada Lovelace <ada@example.org>",
            "RE: Re: invoice 7 for the October workshop",
            "Hello,\n\nthank you for the invoice. Could you tell me whether the October workshop invoice includes "
            "the travel costs, or whether those come separately?\n\nBest regards,\nAda",
            Reply_To="Ada at home <ada.lovelace@example.net>",
            Message_ID=message_id,
            In_Reply_To="<invoice-7-sent@example.com>",
            References="<invoice-7-request@example.org> <invoice-7-sent@example.com>",
        )
    )


def out_of_office() -> str:
    return as_text(
        _message(
            "Bob Builder <bob@example.org>",
            "Automatic reply: invoice 7",
            "I am out of the office until Monday and will answer your message when I am back.",
            Auto_Submitted="auto-replied",
            Message_ID="<ooo-1@example.org>",
        )
    )


def list_post() -> str:
    return as_text(
        _message(
            "Carol Coder <carol@example.org>",
            "[dev] release candidate 2 is out",
            "Hi all, release candidate 2 is tagged. Please test the upgrade path and report back on the list.",
            List_Id="Developers <dev.lists.example.net>",
            List_Post="<mailto:dev@lists.example.net>",
            List_Unsubscribe="<mailto:dev-leave@lists.example.net>",
            Precedence="list",
            Message_ID="<rc2-announce@example.org>",
        )
    )


def newsletter() -> str:
    return as_text(
        _message(
            "Example Bakery <news@bakery.example>",
            "This week at the bakery",
            "This week we bake rye bread on Tuesday and the cinnamon buns are back on Friday. See you soon!",
            Precedence="bulk",
            Message_ID="<news-48@bakery.example>",
        )
    )


def no_reply_notification() -> str:
    return as_text(
        _message(
            "Build Service <noreply@ci.example>",
            "Build 312 of main passed",
            "Build 312 of main passed in 4 minutes. 1,204 tests ran, none failed. Commit 9f3c2e1 by Carol.",
            Message_ID="<build-312@ci.example>",
        )
    )


def bounce() -> str:
    """A delivery status notification from MAILER-DAEMON (multipart/report; report-type=delivery-status)."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
        "To: help@example.com\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Mon, 07 Dec 2026 08:00:00 +0000\r\n"
        "Message-ID: <bounce-20261207@mx.example.net>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"\r\n'
        "\r\n"
        "--dsn\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system at host mx.example.net.\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered to one or more recipients.\r\n"
        "<gone@example.org>: host mail.example.org said: 550 5.1.1 User unknown\r\n"
        "--dsn\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        "Final-Recipient: rfc822; gone@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "--dsn--\r\n"
    )


def phishing_behind_a_harmless_text_part(with_html: bool = True) -> str:
    """multipart/alternative: the text part is harmless, the HTML part asks for a login at a bare IP address
    (without it when `with_html` is false: the text part alone)."""
    message = _message(
        "IT Service Desk <it-desk@mailbox-service.example>",
        "Your mailbox",
        "Hello Sam, the maintenance of the mail servers finished on Saturday as planned. Thanks for your patience.",
        Message_ID="<mbx-1@mailbox-service.example>",
    )
    if not with_html:
        return as_text(message)
    message.add_alternative(
        "<html><body><p>Your mailbox is full. Incoming messages are held until you sign in again.</p>"
        f'<p><a href="{PHISHING_LINK}">Log in here</a> to verify your account and confirm your password '
        "within 24 hours, or your mailbox will be suspended.</p></body></html>",
        subtype="html",
    )
    return as_text(message)


def invoice_with_a_program_attached() -> str:
    """A short invoice mail with `invoice.pdf.exe` attached and replies diverted to another domain."""
    message = _message(
        "Accounts <accounts@supplier.example>",
        "Invoice 2026-118",
        "Hello, please find the invoice for last month attached. Kind regards, Accounts",
        Reply_To="billing@payments-elsewhere.example",
        Message_ID="<inv-118@supplier.example>",
    )
    message.add_attachment(
        b"MZ\x90\x00\x03", maintype="application", subtype="octet-stream", filename="invoice.pdf.exe"
    )
    return as_text(message)


def many_parts(parts: int = 10_000, size: int = 360 * 1024) -> str:
    """A message of `size` bytes split into `parts` tiny MIME parts."""
    head = 'From: a@example.org\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="p"\r\n\r\n'
    part = "--p\r\n\r\n{}\r\n"  # a part without headers is text/plain
    per_part = -(-(size - len(head) - len("--p--\r\n")) // parts)  # rounded up: the message reaches `size`
    filler = "x" * max(1, per_part - len(part.format("")))
    return head + part.format(filler) * parts + "--p--\r\n"


def deeply_nested(depth: int = 1_000) -> str:
    """Multiparts nested `depth` levels deep around one line of text."""
    opening = "".join(f'Content-Type: multipart/mixed; boundary="n{i}"\r\n\r\n--n{i}\r\n' for i in range(depth))
    closing = "".join(f"\r\n--n{i}--" for i in reversed(range(depth)))
    return (
        "From: a@example.org\r\nSubject: nested\r\nMIME-Version: 1.0\r\n"
        + opening
        + "Content-Type: text/plain\r\n\r\nhi"
        + closing
    )
