"""Real mail through the real app on the local host, each test with an SMTP server of its own on loopback:
machines and lists are never answered, a person's message gets one threaded reply at its Reply-To, phishing in
an HTML alternative and programs in attachments are caught, and hostile MIME structure is a verdict, not a 500."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from email.utils import parseaddr
from pathlib import Path

import pytest

from devhost.process import DevHost
from tests.e2e.conftest import new_app_host, start_flow
from tests.mail_messages import (
    PHISHING_LINK,
    bounce,
    deeply_nested,
    invoice_with_a_program_attached,
    list_post,
    many_parts,
    newsletter,
    no_reply_notification,
    out_of_office,
    personal,
    phishing_behind_a_harmless_text_part,
)
from tests.smtp import SmtpServer, running_smtp_server

APP_ADDRESS = "agents@example.com"  # MAIL_FROM's default on the local host


@pytest.fixture
def own_host(tmp_path: Path) -> Iterator[tuple[DevHost, SmtpServer]]:
    with running_smtp_server() as smtp:
        host = new_app_host(tmp_path, smtp.port).start()
        try:
            yield host, smtp
        finally:
            host.stop()


def run(host: DevHost, raw: str) -> dict:
    status = host.wait_for(start_flow(host, "spam-detection", {"raw": raw}), timeout=60)
    assert status["runtimeStatus"] == "Completed", status
    return status


MACHINES_AND_LISTS: dict[str, tuple[Callable[[], str], str]] = {
    "out-of-office reply": (out_of_office, "Auto-Submitted: auto-replied"),
    "bounce from MAILER-DAEMON": (bounce, "Auto-Submitted: auto-replied"),
    "mailing-list post": (list_post, "Precedence: list"),
    "newsletter": (newsletter, "Precedence: bulk"),
    "no-reply notification": (no_reply_notification, "noreply@ci.example"),
}


def test_machines_and_lists_are_neither_answered_nor_quarantined(own_host: tuple[DevHost, SmtpServer]) -> None:
    host, smtp = own_host
    for case, (message, reason) in MACHINES_AND_LISTS.items():
        status = run(host, message())

        result = status["output"]
        assert result["branch"] == "not_answered", (case, result)
        assert not result["is_spam"] and "quarantine" not in result and "delivery" not in result, case
        assert reason in result["reason"], (case, result["reason"])
        assert status["customStatus"] == {"stage": "done", "branch": "not_answered", "reason": result["reason"]}
    assert smtp.messages == [] and not smtp.attempts


def test_a_personal_message_gets_exactly_one_reply_threaded_and_marked_automatic(
    own_host: tuple[DevHost, SmtpServer],
) -> None:
    host, smtp = own_host
    result = run(host, personal())["output"]

    assert result["branch"] == "legitimate"
    [reply] = smtp.messages
    assert smtp.recipients == [["ada.lovelace@example.net"]]  # the Reply-To, not the From
    assert parseaddr(reply["To"])[1] == "ada.lovelace@example.net"
    assert parseaddr(reply["From"])[1] == APP_ADDRESS
    assert reply["Subject"] == "Re: invoice 7 for the October workshop"
    assert reply["In-Reply-To"] == "<invoice-question-3@example.org>"
    assert reply["References"].split() == [
        "<invoice-7-request@example.org>",
        "<invoice-7-sent@example.com>",
        "<invoice-question-3@example.org>",
    ]
    assert reply["Auto-Submitted"] == "auto-replied"
    own_id = reply["Message-ID"]
    assert own_id.endswith("@example.com>") and own_id not in reply["References"]
    assert result["delivery"]["message_id"] == own_id and result["reply"]["subject"] == reply["Subject"]


def test_phishing_in_the_html_alternative_is_quarantined(own_host: tuple[DevHost, SmtpServer]) -> None:
    host, smtp = own_host
    result = run(host, phishing_behind_a_harmless_text_part())["output"]

    assert result["branch"] == "spam" and result["quarantine"]["action"] == "quarantined"
    assert any(link["url"] == PHISHING_LINK and link["flags"] for link in result["screening"]["links"])
    assert smtp.messages == []


def test_a_program_attachment_and_a_diverted_reply_to_are_in_the_evidence(own_host: tuple[DevHost, SmtpServer]) -> None:
    host, smtp = own_host
    result = run(host, invoice_with_a_program_attached())["output"]

    signals = result["screening"]["rule_signals"]
    assert "attachment invoice.pdf.exe is a program (.exe) disguised as a .pdf file" in signals
    assert any(s.startswith("Reply-To sends answers to payments-elsewhere.example") for s in signals)
    assert result["branch"] == "spam" and smtp.messages == []


def test_a_burst_of_hostile_structures_is_quarantined_and_other_routes_keep_answering(
    own_host: tuple[DevHost, SmtpServer],
) -> None:
    """Eight 360 KB messages of 10,000 parts and one nested 1,000 deep, sent at once, while the health route and
    a research start are called: every request is answered (no 5xx) and every hostile message ends in quarantine
    with the limit it broke."""
    host, smtp = own_host
    burst = [many_parts() for _ in range(8)] + [deeply_nested()]
    assert all(len(raw) >= 360 * 1024 for raw in burst[:8])

    with ThreadPoolExecutor(max_workers=len(burst) + 2) as pool:
        starts = [pool.submit(host.request, "POST", "/api/spam-detection/run", {"raw": raw}) for raw in burst]
        health = [host.request("GET", "/api/health") for _ in range(3)]
        research = host.request("POST", "/api/research/run", {"topic": "durable functions"})
        answers = [future.result() for future in starts]

    assert [code for code, _ in health] == [200, 200, 200]
    assert research[0] == 202, research
    assert [code for code, _ in answers] == [202] * len(burst), answers
    reasons = []
    for _, reply in answers:
        result = host.wait_for(reply["id"], timeout=120)["output"]
        assert result["branch"] == "spam", result
        reasons.append(result["screening"]["unreadable"])
    assert reasons == ["it has more than 500 MIME parts"] * 8 + ["its MIME parts are nested more than 20 levels deep"]
    assert host.wait_for(research[1]["id"], timeout=120)["runtimeStatus"] == "Completed"
    assert smtp.messages == []


def test_a_start_answered_with_an_error_never_runs(own_host: tuple[DevHost, SmtpServer]) -> None:
    host, _smtp = own_host
    refused = [
        {"raw": "Dear friend, no headers at all, just words."},
        {"raw": personal() + "x" * 512 * 1024},
        {"raw": personal(), "content": "both at once"},
    ]
    answers = [host.request("POST", "/api/spam-detection/run", body) for body in refused]
    started = start_flow(host, "spam-detection", {"raw": out_of_office()})

    assert [(code, [d["field"] for d in body["details"]]) for code, body in answers] == [
        (400, ["raw"]),
        (400, ["raw"]),
        (400, ["body"]),
    ]
    host.wait_for(started)
    code, instances = host.request("GET", "/runtime/webhooks/durabletask/instances")
    assert code == 200 and [instance["instanceId"] for instance in instances] == [started]
