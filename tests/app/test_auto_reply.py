"""Who may get an automatic answer (RFC 3834), where it goes and how it threads: one test per header rule."""

from __future__ import annotations

import pytest

from agents.auto_reply import plan_reply, reply_subject
from agents.mail_parsing import from_fields, parse

PERSON = (
    "From: Ada Lovelace <ada@example.org>\nTo: help@example.com\nSubject: Invoice 7\nMessage-ID: <q-7@example.org>\n"
)


def plan(headers: str, body: str = "Hello, could you resend invoice 7? Thanks, Ada"):
    return plan_reply(parse(headers + "\n" + body), None, has_headers=True)


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("Auto-Submitted: auto-replied\n", "sent automatically (Auto-Submitted: auto-replied)"),
        ("Auto-Submitted: auto-generated; owner-email=x@example.org\n", "sent automatically"),
        ("Auto-Submitted: AUTO-NOTIFIED\n", "sent automatically"),
        ("Precedence: bulk\n", "bulk or list mail (Precedence: bulk)"),
        ("Precedence: list\n", "bulk or list mail (Precedence: list)"),
        ("Precedence: junk\n", "bulk or list mail (Precedence: junk)"),
        ("List-Id: Developers <dev.lists.example.net>\n", "mailing list (List-Id: Developers <dev.lists.example.net>)"),
        ("List-Unsubscribe: <mailto:leave@lists.example.net>\n", "mailing list (List-Unsubscribe:"),
        ("List-Post: <mailto:dev@lists.example.net>\n", "mailing list (List-Post:"),
        ("Return-Path: <>\n", "empty return path"),
        ("Return-Path: <> (bounce)\n", "empty return path"),
        ("Return-Path: (bounce) < >\n", "empty return path"),
    ],
)
def test_machine_and_list_headers_forbid_an_automatic_answer(extra: str, reason: str) -> None:
    decided = plan(PERSON + extra)

    assert decided.refusal is not None and reason in decided.refusal
    assert decided.to is None


@pytest.mark.parametrize("value", ["no", "No", "no; comment"])
def test_auto_submitted_no_is_a_person_writing(value: str) -> None:
    assert plan(PERSON + f"Auto-Submitted: {value}\n").refusal is None


@pytest.mark.parametrize("precedence", ["first-class", "normal", ""])
def test_other_precedence_values_do_not_stop_an_answer(precedence: str) -> None:
    assert plan(PERSON + f"Precedence: {precedence}\n").refusal is None


def test_a_delivery_status_notification_is_a_report_from_a_mail_system() -> None:
    bounce = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\nTo: ada@example.org\nSubject: Undelivered\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\n\n'
        "--r\nContent-Type: text/plain\n\nYour message could not be delivered.\n"
        "--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
        "Final-Recipient: rfc822; bob@example.com\nAction: failed\nStatus: 5.1.1\n--r--\n"
    )
    decided = plan(bounce, "")

    assert decided.refusal is not None and "multipart/report; delivery-status" in decided.refusal


def test_a_read_receipt_is_a_report_too() -> None:
    receipt = PERSON + 'Content-Type: multipart/report; report-type=disposition-notification; boundary="r"\n'
    decided = plan(receipt, "--r\nContent-Type: text/plain\n\nRead.\n--r--\n")

    assert decided.refusal is not None and "disposition-notification" in decided.refusal


@pytest.mark.parametrize(
    "address",
    [
        "MAILER-DAEMON@mx.example.net",
        "postmaster@example.net",
        "noreply@shop.example",
        "no-reply@shop.example",
        "do-not-reply@bank.example",
        "donotreply@bank.example",
        "no_reply@shop.example",
        "noreply+orders@shop.example",
        "bounces-123@lists.example.net",
    ],
)
def test_machine_senders_are_never_answered(address: str) -> None:
    decided = plan(PERSON.replace("Ada Lovelace <ada@example.org>", address))

    assert decided.refusal is not None and address.lower() in decided.refusal.lower()


def test_a_machine_reply_to_is_not_answered_either() -> None:
    assert plan(PERSON + "Reply-To: noreply@example.org\n").refusal is not None


@pytest.mark.parametrize(
    ("sender_headers", "reason"),
    [
        ("", "no sender address"),
        ("From: <<<@@>>>\n", "not usable"),
        ("From: ada@example.org\nReply-To: a@example.org, b@example.org\n", "not usable"),
        *(
            (f"From: ada@example.org\nReply-To: {address}\n", "not on a public domain name")
            for address in (
                "x@[127.0.0.1]",
                "x@[IPv6:::1]",
                "root@localhost",
                "x@internal",
                "x@printer.local",
                "x@1.2.3.4",
                "x@abc.onion",
                "x@1.0.0.127.in-addr.arpa",
            )
        ),
    ],
)
def test_a_message_without_a_usable_sender_is_not_answered(sender_headers: str, reason: str) -> None:
    decided = plan(sender_headers + "Subject: hi\nMessage-ID: <x@example.org>\n")

    assert decided.refusal is not None and reason in decided.refusal


def test_a_personal_message_is_answered_at_its_reply_to_in_its_thread() -> None:
    decided = plan(
        PERSON + "Reply-To: Ada Private <ada@home.example>\nIn-Reply-To: <q-6@example.com>\n"
        "References: <q-5@example.org>\n <q-6@example.com>\n"
    )

    assert decided.refusal is None and decided.to == "Ada Private <ada@home.example>"
    assert decided.in_reply_to == "<q-7@example.org>"
    assert decided.references == ("<q-5@example.org>", "<q-6@example.com>", "<q-7@example.org>")


def test_references_keep_the_root_and_the_latest_ids() -> None:
    thread = " ".join(f"<m{i}@example.org>" for i in range(40))
    decided = plan(PERSON + f"References: {thread}\n")

    assert len(decided.references) == 20
    assert decided.references[0] == "<m0@example.org>" and decided.references[-2:] == (
        "<m39@example.org>",
        "<q-7@example.org>",
    )


def test_a_sender_given_beside_the_message_wins_over_its_reply_to() -> None:
    mail = parse(PERSON + "Reply-To: ada@home.example\n\nhi")

    assert plan_reply(mail, "Desk <desk@example.org>", has_headers=True).to == "Desk <desk@example.org>"


def test_fields_without_headers_are_answered_as_before() -> None:
    assert plan_reply(from_fields("Hi", "sam@example.com", "Lunch"), "sam@example.com", has_headers=False).to == (
        "sam@example.com"
    )
    unknown = plan_reply(from_fields("Hi"), None, has_headers=False)
    assert unknown.refusal is None and unknown.to is None  # goes to the app's own mailbox, as ever
    machine = plan_reply(from_fields("Hi", "noreply@shop.example"), "noreply@shop.example", has_headers=False)
    assert machine.refusal is not None


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Invoice 7", "Re: Invoice 7"),
        ("Re: Invoice 7", "Re: Invoice 7"),
        ("RE: re: Re:Invoice 7", "Re: Invoice 7"),
        ("AW: Re[2]: Invoice 7", "Re: Invoice 7"),
        ("", "Re: (no subject)"),
        ("Regarding invoice 7", "Re: Regarding invoice 7"),
    ],
)
def test_the_reply_subject_has_exactly_one_re(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


def test_a_sender_given_beside_a_raw_no_reply_message_does_not_get_it_answered() -> None:
    from activities.contracts import ScreenEmail
    from activities.mail_screening import screen_email
    from orchestrations.inputs import EmailInput

    raw = "From: GitHub <noreply@github.com>\nSubject: [repo] CI passed\nMessage-ID: <ci-1@github.com>\n\nAll green."
    email = EmailInput.model_validate({"raw": raw, "sender": "ada@example.org"})
    reply = screen_email(ScreenEmail(email=email, instance_id="i-1")).reply

    assert reply.to is None and reply.not_answered is not None and "noreply@github.com" in reply.not_answered
