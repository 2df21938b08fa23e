"""Activities do their side effect once per orchestration step, over real SMTP or into local folders."""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path

import pytest

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


def spam_request(instance_id: str = "inst-9", content: str = "WIN CASH NOW", subject: str = "Prize") -> dict[str, object]:
    return {
        "instance_id": instance_id,
        "step": "handle_spam_email",
        "email_id": "mail-42",
        "email": {"content": content, "sender": "x@spam.example", "subject": subject},
        "verdict": {"is_spam": True, "confidence": 0.97, "reason": "money bait ('cash')", "signals": ["money"]},
    }


def test_spam_is_quarantined_with_its_verdict_once(app_env: Path) -> None:
    request = spam_request()
    first, second = handle_spam_email(request), handle_spam_email(request)

    files = list((app_env / "quarantine").rglob("*.eml"))
    assert [f.relative_to(app_env / "quarantine").as_posix() for f in files] == ["inst-9/handle_spam_email-mail-42.eml"]
    quarantined = message_from_bytes(files[0].read_bytes())
    assert quarantined["X-Spam-Flag"] == "YES" and quarantined["X-Spam-Reason"] == "money bait ('cash')"
    assert first["location"] == str(files[0]) and second["repeat"] is True


def test_two_runs_reusing_an_email_id_keep_their_own_quarantined_file(app_env: Path) -> None:
    first = handle_spam_email(spam_request("inst-1", content="first run"))
    second = handle_spam_email(spam_request("inst-2", content="second run"))

    assert (first["repeat"], second["repeat"]) == (False, False)
    assert first["location"] != second["location"]
    assert "first run" in Path(first["location"]).read_text()
    assert "second run" in Path(second["location"]).read_text()


def test_a_pasted_multi_line_subject_is_quarantined_on_one_line(app_env: Path) -> None:
    result = handle_spam_email(spam_request(subject="Prize\r\n  waiting\nfor you"))

    quarantined = message_from_bytes(Path(result["location"]).read_bytes())
    assert quarantined["Subject"] == "Prize waiting for you"


def test_publish_writes_the_article_once_with_front_matter(app_env: Path) -> None:
    request = {"instance_id": "inst-3", "step": "publish_content", "topic": "ES", "article": DRAFT, "reviewer": "r@x.io", "feedback": "ok"}
    first, second = publish_content(request), publish_content(request)

    files = list((app_env / "published").rglob("*.md"))
    assert [f.relative_to(app_env / "published").as_posix() for f in files] == ["inst-3/publish_content-event-sourcing.md"]
    text = files[0].read_text()
    assert '"approved_by": "r@x.io"' in text and text.endswith("# Event sourcing\n\nText.\n")
    assert (first["repeat"], second["repeat"], second["location"]) == (False, True, first["location"])


def test_a_reply_subject_with_line_breaks_is_sent_on_one_line(smtp_server: SmtpServer) -> None:
    result = send_email({**reply_request(), "subject": "Re: sync\r\nnext   week\n"})

    [sent] = smtp_server.messages
    assert sent["Subject"] == "Re: sync next week" == result["subject"]


def review_request(**changes: object) -> dict[str, object]:
    return {
        "instance_id": "inst-5", "step": "notify_reviewer", "reviewer": None, "topic": "ES", "draft": DRAFT,
        "deadline": "2026-01-02T12:00:00Z", "decision_event": "ApprovalDecision", **changes,
    }  # fmt: skip


def test_reviewer_notification_explains_how_to_decide(smtp_server: SmtpServer) -> None:
    request = review_request()
    result = notify_reviewer(request)
    notify_reviewer(request)

    [mail] = smtp_server.messages
    assert result["to"] == "reviewer@example.com" == mail["To"]
    assert "http://localhost:7071/api/content/inst-5/decision" in mail.get_content()
    assert "2026-01-02T12:00:00Z" in mail.get_content()


def test_a_topic_pasted_with_line_breaks_still_notifies_the_reviewer(app_env: Path) -> None:
    topic = "Event\r\nsourcing"
    result = notify_reviewer(review_request(topic=topic, draft={**DRAFT, "title": topic}))

    assert result["subject"] == "Review requested: Event sourcing"


@pytest.mark.parametrize(
    ("public_base_url", "link_root"),
    [("", "http://127.0.0.1:8123/api"), ("https://agents.example.com", "https://agents.example.com/api")],
)
def test_the_decision_link_points_where_the_flow_was_started_unless_public_base_url_is_set(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, public_base_url: str, link_root: str
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", public_base_url)
    result = notify_reviewer(review_request(api_root="http://127.0.0.1:8123/api"))

    assert result["decision_url"] == f"{link_root}/content/inst-5/decision"
    assert result["decision_url"] in Path(result["path"]).read_text()


def test_escalation_goes_to_the_escalation_contact(app_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("ESCALATION_EMAIL", "boss@example.com")
    request = {"instance_id": "inst-6", "step": "escalate_for_review", "topic": "ES", "reviewer": "r@x.io", "draft": DRAFT, "waited_hours": 0.5}
    result = escalate_for_review(request)

    assert result["to"] == "boss@example.com" and result["action"] == "escalated"
    assert "within 0.5 hour(s)" in Path(result["path"]).read_text()
