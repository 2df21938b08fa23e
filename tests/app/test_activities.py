"""Activities do their side effect once per orchestration step, over real SMTP or into local folders."""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path

from activities.steps import escalate_for_review, handle_spam_email, notify_reviewer, publish_content, send_email
from tests.app.conftest import SmtpServer

DRAFT = {"title": "Event sourcing", "body": "# Event sourcing\n\nText.", "word_count": 3, "reading_time_minutes": 1}


def reply_request(step: str = "send_email", instance_id: str = "inst-1") -> dict[str, object]:
    return {"instance_id": instance_id, "step": step, "to": "alice@contoso.com", "subject": "Re: sync", "body": "Thursday works."}


def test_send_email_over_smtp_sends_once_even_when_repeated(smtp_server: SmtpServer) -> None:
    first = send_email(reply_request())
    second = send_email(reply_request())

    assert len(smtp_server.messages) == 1
    sent = smtp_server.messages[0]
    assert sent["To"] == "alice@contoso.com" and sent["Subject"] == "Re: sync"
    assert sent["Message-ID"] == first["message_id"]
    assert "Thursday works." in sent.get_content()
    assert (first["transport"], first["repeat"], second["repeat"]) == ("smtp", False, True)
    assert second["message_id"] == first["message_id"]


def test_another_step_or_instance_is_a_new_mail_with_its_own_message_id(smtp_server: SmtpServer) -> None:
    a = send_email(reply_request(instance_id="inst-1"))
    b = send_email(reply_request(instance_id="inst-2"))

    assert len(smtp_server.messages) == 2
    assert a["message_id"] != b["message_id"]


def test_without_smtp_mail_lands_in_the_outbox_once(app_env: Path) -> None:
    first = send_email(reply_request())
    second = send_email(reply_request())

    outbox = list((app_env / "outbox").glob("*.eml"))
    assert len(outbox) == 1 and Path(first["path"]) == outbox[0]
    mail = message_from_bytes(outbox[0].read_bytes())
    assert mail["To"] == "alice@contoso.com" and mail["Message-ID"] == first["message_id"]
    assert (first["transport"], second["repeat"]) == ("outbox", True)


def test_reply_without_a_known_sender_goes_to_our_own_mailbox(app_env: Path) -> None:
    result = send_email({**reply_request(), "to": None})
    assert result["to"] == "Agent Mail <agents@example.com>"


def test_spam_is_quarantined_with_its_verdict_once(app_env: Path) -> None:
    request = {
        "instance_id": "inst-9",
        "step": "handle_spam_email",
        "email_id": "mail-42",
        "email": {"content": "WIN CASH NOW", "sender": "x@spam.example", "subject": "Prize"},
        "verdict": {"is_spam": True, "confidence": 0.97, "reason": "money bait ('cash')", "signals": ["money"]},
    }
    first, second = handle_spam_email(request), handle_spam_email(request)

    files = list((app_env / "quarantine").glob("*.eml"))
    assert [f.name for f in files] == ["mail-42.eml"]
    quarantined = message_from_bytes(files[0].read_bytes())
    assert quarantined["X-Spam-Flag"] == "YES" and quarantined["X-Spam-Reason"] == "money bait ('cash')"
    assert first["location"] == str(files[0]) and second["repeat"] is True


def test_publish_writes_the_article_once_with_front_matter(app_env: Path) -> None:
    request = {"instance_id": "inst-3", "step": "publish_content", "topic": "ES", "article": DRAFT, "reviewer": "r@x.io", "feedback": "ok"}
    first, second = publish_content(request), publish_content(request)

    files = list((app_env / "published").glob("*.md"))
    assert len(files) == 1 and files[0].name == "event-sourcing-inst-3.md"
    text = files[0].read_text()
    assert '"approved_by": "r@x.io"' in text and text.endswith("# Event sourcing\n\nText.\n")
    assert (first["repeat"], second["repeat"], second["location"]) == (False, True, first["location"])


def test_reviewer_notification_explains_how_to_decide(smtp_server: SmtpServer) -> None:
    request = {
        "instance_id": "inst-5", "step": "notify_reviewer", "reviewer": None, "topic": "ES", "draft": DRAFT,
        "deadline": "2026-01-02T12:00:00Z", "decision_event": "ApprovalDecision",
    }  # fmt: skip
    result = notify_reviewer(request)
    notify_reviewer(request)

    [mail] = smtp_server.messages
    assert result["to"] == "reviewer@example.com" == mail["To"]
    assert "http://localhost:7071/api/content/inst-5/decision" in mail.get_content()
    assert "2026-01-02T12:00:00Z" in mail.get_content()


def test_escalation_goes_to_the_escalation_contact(app_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("ESCALATION_EMAIL", "boss@example.com")
    request = {"instance_id": "inst-6", "step": "escalate_for_review", "topic": "ES", "reviewer": "r@x.io", "draft": DRAFT, "waited_hours": 0.5}
    result = escalate_for_review(request)

    assert result["to"] == "boss@example.com" and result["action"] == "escalated"
    assert "within 0.5 hour(s)" in Path(result["path"]).read_text()
