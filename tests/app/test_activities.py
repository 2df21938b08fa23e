"""Activities do their side effect once per step of an execution, over real SMTP or into local folders,
and say whether a failure is worth retrying."""

from __future__ import annotations

import errno
import os
import shutil
import smtplib
import socket
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from activities import PERMANENT_FAILURE
from activities.contracts import Thread
from activities.failures import PermanentFailure, TransientFailure, blob_failure, disk_failure, smtp_failure
from activities.review_steps import RULE
from activities.side_effects import load_draft
from activities.storage import LocalFolderStore
from reviewing.protocol import DraftReference, Role
from reviewing.signing import ExpiredLink, open_link
from settings import app_settings
from tests.app.fakes import run_activity as run
from tests.smtp import SmtpServer

BODY = "# Event sourcing\n\nEvery change to the state is an event, stored in order; the state is what replaying the events gives, at any moment."
ARTICLE = {"title": "Event sourcing", "body": BODY, "word_count": 25, "reading_time_minutes": 1}


def key(execution: str = "run-1", step: str = "") -> str:
    """An idempotency key as call_step makes them: one UUID per step call of an execution."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{execution}/{step}"))


def reply_request(instance_id: str = "inst-1", execution: str = "run-1", **changes: Any) -> dict[str, Any]:
    return {
        "instance_id": instance_id,
        "step": "send_email",
        "idempotency_key": key(execution, "send_email"),
        "to": "alice@contoso.com",
        "subject": "Re: sync",
        "body": "Thursday works.",
        **changes,
    }


def test_send_email_over_smtp_sends_once_even_when_repeated(smtp_server: SmtpServer) -> None:
    first = run("send_email", reply_request())
    second = run("send_email", reply_request())

    assert len(smtp_server.messages) == 1
    sent = smtp_server.messages[0]
    assert sent["To"] == "alice@contoso.com" and sent["Subject"] == "Re: sync"
    assert sent["Message-ID"] == first["message_id"]
    assert "Thursday works." in sent.get_content()
    assert (first["transport"], first["repeat"], second["repeat"]) == ("smtp", False, True)
    assert second["message_id"] == first["message_id"]


def test_a_new_execution_under_the_same_instance_id_sends_again(smtp_server: SmtpServer) -> None:
    a = run("send_email", reply_request(execution="run-1", to="first@contoso.com"))
    b = run("send_email", reply_request(execution="run-2", to="second@contoso.com"))

    assert smtp_server.recipients == [["first@contoso.com"], ["second@contoso.com"]]
    assert (a["repeat"], b["repeat"]) == (False, False)
    assert a["message_id"] != b["message_id"]


def test_mail_goes_to_the_parsed_address_alone(smtp_server: SmtpServer) -> None:
    run("send_email", reply_request(to='"Alice, Bob and Eve" <alice@contoso.com>'))

    [sent] = smtp_server.messages
    assert smtp_server.recipients == [["alice@contoso.com"]]
    assert sent["To"].addresses[0].addr_spec == "alice@contoso.com"


@pytest.mark.parametrize("to", ["a@contoso.com, victim@example.com", "Team: a@contoso.com, b@contoso.com;", "nobody"])
def test_a_recipient_that_is_not_one_address_fails_permanently_and_sends_nothing(
    smtp_server: SmtpServer, to: str
) -> None:
    answer = run("send_email", reply_request(to=to))
    assert answer[PERMANENT_FAILURE].startswith(f"Recipient {to!r}")
    assert smtp_server.messages == [] and not smtp_server.attempts


def test_without_smtp_mail_lands_in_the_outbox_once(app_env: Path) -> None:
    first = run("send_email", reply_request())
    second = run("send_email", reply_request())

    outbox = list((app_env / "outbox").rglob("*.eml"))
    assert len(outbox) == 1 and Path(first["path"]) == outbox[0]
    mail = message_from_bytes(outbox[0].read_bytes())
    assert mail["To"] == "alice@contoso.com" and mail["Message-ID"] == first["message_id"]
    assert (first["transport"], second["repeat"]) == ("outbox", True)


def test_outbox_names_are_distinct_and_short_whatever_the_instance_id(app_env: Path) -> None:
    ids = ["coll/a", "coll--a", "coll_a", "x" * 256, "x" * 255 + "y", "a:b@c.d"]
    paths = [Path(run("send_email", reply_request(instance_id=i))["path"]) for i in ids]

    assert len(set(paths)) == len(ids)
    for path in paths:
        relative = path.relative_to(app_env)
        assert len(str(relative)) < 250 and all(len(part) < 120 for part in relative.parts), relative


def test_reply_without_a_known_sender_goes_to_our_own_mailbox(app_env: Path) -> None:
    result = run("send_email", reply_request(to=None))
    assert result["to"] == "Agent Mail <agents@example.com>"


def test_a_451_is_transient_and_the_next_attempt_sends_exactly_one_mail(smtp_server: SmtpServer) -> None:
    smtp_server.script("alice@contoso.com", "451 4.3.0 Try again later")

    with pytest.raises(
        TransientFailure,
        match=r"127\.0\.0\.1:\d+ refused the recipient \(alice@contoso.com: 451 4\.3\.0 Try again later\)",
    ):
        run("send_email", reply_request())
    assert smtp_server.messages == []
    assert run("send_email", reply_request())["repeat"] is False
    assert len(smtp_server.to("alice@contoso.com")) == 1


def test_a_550_is_permanent_and_the_registered_activity_reports_it_instead_of_raising(smtp_server: SmtpServer) -> None:
    smtp_server.script("alice@contoso.com", "550 5.1.1 No such user", "550 5.1.1 No such user")

    answers = [run("send_email", reply_request()), run("send_email", reply_request())]
    assert all("550 5.1.1 No such user" in answer[PERMANENT_FAILURE] for answer in answers)
    assert smtp_server.messages == []


def test_a_stalled_server_times_out_as_a_transient_failure(
    smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTP_TIMEOUT_SECONDS", "0.5")
    smtp_server.script("alice@contoso.com", 3.0)

    with pytest.raises(TransientFailure, match="did not answer in time"):
        run("send_email", reply_request())


def test_a_refused_connection_is_transient(smtp_server: SmtpServer) -> None:
    with smtp_server.refusing(), pytest.raises(TransientFailure, match="refused the connection"):
        run("send_email", reply_request())
    assert run("send_email", reply_request())["transport"] == "smtp"
    assert len(smtp_server.messages) == 1


def test_a_folder_that_cannot_be_written_is_permanent(app_env: Path) -> None:
    """Writable when the app started (else the start fails, see test_settings), a file in its place since."""
    assert app_settings().storage.local_dir == str(app_env)
    shutil.rmtree(app_env)
    app_env.write_text("not a folder")

    answer = run("save_draft", draft_request())
    assert answer[PERMANENT_FAILURE].startswith(f"Writing {app_env}") and "LOCAL_DATA_DIR" in answer[PERMANENT_FAILURE]


def spam_request(instance_id: str = "inst-9", content: str = "WIN CASH NOW", subject: str = "Prize") -> dict[str, Any]:
    return {
        "instance_id": instance_id,
        "step": "handle_spam_email",
        "idempotency_key": key(instance_id, "handle_spam_email"),
        "email_id": "mail-42",
        "email": {"content": content, "sender": "x@spam.example", "subject": subject},
        "verdict": {"is_spam": True, "confidence": 0.97, "reason": "money bait ('cash')", "signals": ["money"]},
    }


def test_spam_is_quarantined_with_its_verdict_once(app_env: Path) -> None:
    request = spam_request()
    first, second = run("handle_spam_email", request), run("handle_spam_email", request)

    files = list((app_env / "quarantine").rglob("*.eml"))
    assert [f.relative_to(app_env / "quarantine").as_posix() for f in files] == [
        f"inst-9/mail-42-{request['idempotency_key']}.eml"
    ]
    quarantined = message_from_bytes(files[0].read_bytes())
    assert quarantined["X-Spam-Flag"] == "YES" and quarantined["X-Spam-Reason"] == "money bait ('cash')"
    assert first["location"] == str(files[0]) and second["repeat"] is True


def test_two_runs_reusing_an_email_id_keep_their_own_quarantined_file(app_env: Path) -> None:
    first = run("handle_spam_email", spam_request("inst-1", content="first run"))
    second = run("handle_spam_email", spam_request("inst-2", content="second run"))

    assert (first["repeat"], second["repeat"]) == (False, False)
    assert first["location"] != second["location"]
    assert "first run" in Path(first["location"]).read_text()
    assert "second run" in Path(second["location"]).read_text()


def test_a_pasted_multi_line_subject_is_quarantined_on_one_line(app_env: Path) -> None:
    result = run("handle_spam_email", spam_request(subject="Prize\r\n  waiting\nfor you"))

    quarantined = message_from_bytes(Path(result["location"]).read_bytes())
    assert quarantined["Subject"] == "Prize waiting for you"


def draft_request(instance_id: str = "inst-3", article: dict[str, Any] = ARTICLE) -> dict[str, Any]:
    return {
        "instance_id": instance_id,
        "step": "save_draft",
        "idempotency_key": key(instance_id, "save_draft"),
        "article": article,
    }


def test_a_saved_draft_travels_as_a_short_reference_to_the_whole_text(app_env: Path) -> None:
    body = "# Long read\n\n" + "A sentence that keeps going. " * 2000
    saved = run("save_draft", draft_request(article={**ARTICLE, "title": "T" * 1000, "body": body}))

    assert len(saved["excerpt"]) <= 280 and saved["excerpt"].startswith("# Long read A sentence")
    assert len(saved["title"]) <= 200 and saved["characters"] == len(body)
    assert saved["url"] == f"http://localhost:7071/api/content/inst-3/drafts/{key('inst-3', 'save_draft')}"
    assert load_draft(LocalFolderStore(str(app_env)), DraftReference.model_validate(saved))["body"] == body


def test_publish_writes_the_stored_article_once_with_front_matter(app_env: Path) -> None:
    saved = run("save_draft", draft_request())
    request = {
        "instance_id": "inst-3",
        "step": "publish_content",
        "idempotency_key": key("inst-3", "publish"),
        "topic": "ES",
        "draft": saved,
        "reviewer": "r@x.io",
        "feedback": "ok",
    }
    first, second = run("publish_content", request), run("publish_content", request)

    files = list((app_env / "published").rglob("*.md"))
    assert [f.relative_to(app_env / "published").as_posix() for f in files] == [
        f"inst-3/event-sourcing-{request['idempotency_key']}.md"
    ]
    text = files[0].read_text()
    assert '"approved_by": "r@x.io"' in text and text.endswith(BODY + "\n")
    assert (first["repeat"], second["repeat"], second["location"]) == (False, True, first["location"])


def test_a_reply_subject_with_line_breaks_is_sent_on_one_line(smtp_server: SmtpServer) -> None:
    result = run("send_email", reply_request(subject="Re: sync\r\nnext   week\n"))

    [sent] = smtp_server.messages
    assert sent["Subject"] == "Re: sync next week" == result["subject"]


DEADLINE = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=24, minutes=1)


def review_request(**changes: Any) -> dict[str, Any]:
    return {
        "instance_id": "inst-5",
        "step": "notify_reviewer",
        "idempotency_key": key("inst-5", "notify"),
        "to": None,
        "topic": "ES",
        "draft": run("save_draft", draft_request("inst-5")),
        "deadline": DEADLINE.isoformat(),
        "round": 1,
        "max_rounds": 3,
        "feedback": [],
        **changes,
    }


def mail_text(result: dict[str, Any]) -> str:
    return message_from_bytes(Path(result["path"]).read_bytes(), policy=default).get_content()


def test_reviewer_notification_leads_with_the_signed_link_and_the_deadline(smtp_server: SmtpServer) -> None:
    request = review_request()
    result = run("notify_reviewer", request)
    run("notify_reviewer", request)

    [mail] = smtp_server.messages
    text = mail.get_content().replace("\r\n", "\n")
    assert result["to"] == "reviewer@example.com" == mail["To"]
    assert mail["Auto-Submitted"] == "auto-generated"  # sent of the app's own accord: responders leave it alone
    instructions = text.split(RULE)[0]
    assert instructions.index(result["review_url"]) < instructions.index("curl"), "the link first, curl for automation"
    link = open_link(parse_qs(urlsplit(result["review_url"]).query)["t"][0], "inst-5", datetime.now(UTC))
    assert (link.round, link.role, link.address, link.deadline) == (1, Role.REVIEWER, "reviewer@example.com", DEADLINE)
    assert f"Deadline: {DEADLINE:%Y-%m-%d %H:%M} UTC (in 24 hours)." in text
    assert "http://localhost:7071/api/content/inst-5/decision" in text and "code=" not in text
    assert "/drafts/" not in text  # the draft is in the mail and on the page; its API route needs the key
    assert BODY in text


def test_a_topic_pasted_with_line_breaks_still_notifies_the_reviewer(app_env: Path) -> None:
    topic = "Event\r\nsourcing"
    saved = run("save_draft", draft_request("inst-5", {**ARTICLE, "title": topic}))
    result = run("notify_reviewer", review_request(topic=topic, draft=saved))

    assert result["subject"] == "Review requested (round 1 of 3): Event sourcing"


@pytest.mark.parametrize(
    ("env", "link_root"),
    [
        ({}, "http://localhost:7071/api"),
        ({"WEBSITE_HOSTNAME": "localhost:7072"}, "http://localhost:7072/api"),
        (
            {
                "WEBSITE_HOSTNAME": "func-agents.azurewebsites.net",
                "WEBSITE_INSTANCE_ID": "abc",
                "REVIEW_LINK_KEY": "k" * 32,
            },
            "https://func-agents.azurewebsites.net/api",
        ),
        ({"PUBLIC_BASE_URL": "https://agents.example.com/", "WEBSITE_HOSTNAME": "x"}, "https://agents.example.com/api"),
    ],
)
def test_the_links_come_from_the_settings_never_from_the_request(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], link_root: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = run("notify_reviewer", review_request(api_root="http://attacker.example/api"))

    assert result["decision_url"] == f"{link_root}/content/inst-5/decision"
    assert result["review_url"].startswith(f"{link_root}/review/inst-5?t=")
    text = mail_text(result)
    assert result["decision_url"] in text and result["review_url"] in text and "attacker" not in text


def test_escalation_goes_to_the_escalation_contact_with_a_link_of_their_own(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ESCALATION_EMAIL", "Boss <boss@example.com>")
    missed = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
    request = review_request(
        step="escalate_for_review",
        instance_id="inst-6",
        draft=run("save_draft", draft_request("inst-6")),
        reviewer="r@x.io",
        round=2,
        missed_deadline=missed.isoformat(),
        feedback=["Shorter"],
    )
    result = run("escalate_for_review", request)

    assert result["to"] == "Boss <boss@example.com>" and result["action"] == "escalated"
    text = mail_text(result)
    assert "r@x.io did not decide on round 2 of 3" in text and "by 2026-01-02 12:00 UTC" in text
    assert 'revised after the feedback on round 1: "Shorter"' in text
    link = open_link(parse_qs(urlsplit(result["review_url"]).query)["t"][0], "inst-6", datetime.now(UTC))
    assert (link.role, link.address, link.round) == (Role.ESCALATION_CONTACT, "boss@example.com", 2)
    assert result["review_url"] in text and "# Event sourcing" in text


def escalation_request(reviewer: str, missed: datetime) -> dict[str, Any]:
    return review_request(
        step="escalate_for_review",
        idempotency_key=key("inst-5", "escalate"),
        reviewer=reviewer,
        missed_deadline=missed.isoformat(),
        deadline=(missed + timedelta(hours=4)).isoformat(),
    )


def test_the_reviewer_is_told_of_the_escalation_once_in_a_mail_of_its_own(smtp_server: SmtpServer) -> None:
    missed = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    review = run("notify_reviewer", review_request(to="Rita <rita@x.io>", deadline=missed.isoformat()))
    first = run("escalate_for_review", escalation_request("Rita <rita@x.io>", missed))
    again = run("escalate_for_review", escalation_request("Rita <rita@x.io>", missed))  # a repeat of the step

    assert [m["Subject"].split(":")[0] for m in smtp_server.messages] == [
        "Review requested (round 1 of 3)",
        "Escalation",
        "Review escalated",
    ]
    assert first["reviewer_notice"] == again["reviewer_notice"] == {"sent": True, "to": "Rita <rita@x.io>"}
    assert (first["repeat"], again["repeat"]) == (False, True)
    escalation, notice = smtp_server.messages[1:]
    assert smtp_server.recipients[2] == ["rita@x.io"] and notice["Message-ID"] != escalation["Message-ID"]
    text = notice.get_content()
    assert f"passed at {missed:%Y-%m-%d %H:%M} UTC" in text
    assert (
        f"the escalation contact, editor-in-chief@example.com, who can decide until {missed + timedelta(hours=4):%Y-%m-%d %H:%M} UTC"
        in text
    )
    assert f"\n  {review['review_url']}\n" in text.replace("\r\n", "\n")  # the review mail's own link, now expired
    with pytest.raises(ExpiredLink):
        open_link(parse_qs(urlsplit(review["review_url"]).query)["t"][0], "inst-5", datetime.now(UTC))


def test_a_reviewer_notice_that_cannot_be_delivered_never_holds_up_the_escalation(smtp_server: SmtpServer) -> None:
    smtp_server.script("gone@x.io", "550 5.1.1 No such user")
    result = run("escalate_for_review", escalation_request("gone@x.io", datetime.now(UTC) - timedelta(minutes=1)))

    assert result["action"] == "escalated" and PERMANENT_FAILURE not in result
    assert result["reviewer_notice"]["sent"] is False and "550" in result["reviewer_notice"]["error"]
    assert smtp_server.recipients == [["editor-in-chief@example.com"]]


def test_review_mail_reads_as_plain_text_with_an_unbroken_link_and_command(app_env: Path) -> None:
    """No quoted-printable: read with cat, the link and the curl command are whole, and they work as written."""
    instance_id = "review-" + "x" * 120  # a long id makes a long link, the lines quoted-printable used to cut
    result = run(
        "notify_reviewer", review_request(instance_id=instance_id, draft=run("save_draft", draft_request(instance_id)))
    )

    raw = Path(result["path"]).read_bytes().decode()
    assert "Content-Transfer-Encoding: 7bit" in raw and "=\n" not in raw and "=3D" not in raw
    assert f"\n  {result['review_url']}\n" in raw
    decision_url = f"http://localhost:7071/api/content/{instance_id}/decision"
    assert f"  curl -X POST '{decision_url}' \\\n" in raw
    assert """    -d '{"approved": true, "feedback": "Looks good", "round": 1}'""" in raw


def test_line_breaks_in_a_topic_or_feedback_cannot_add_links_or_commands_to_a_review_mail(app_env: Path) -> None:
    forged = "\n\nRead the draft and approve or reject it on this page\n  https://evil.example/login\n  curl -X POST https://evil.example/x"
    result = run(
        "notify_reviewer", review_request(topic="Quarterly plan" + forged, round=2, feedback=["Fine" + forged])
    )

    instructions = mail_text(result).split(RULE)[0].splitlines()
    assert not [
        line for line in instructions if line.startswith(("Read the draft", "  curl", "  http")) and "evil" in line
    ]
    assert any("https://evil.example/login" in line and line.startswith("Round 2 of 3") for line in instructions)


def test_a_later_round_quotes_the_feedback_of_every_earlier_round(app_env: Path) -> None:
    result = run("notify_reviewer", review_request(round=3, feedback=["Add a diagram", "Shorter intro"]))

    text = mail_text(result)
    assert result["subject"] == "Review requested (round 3 of 3): Event sourcing"
    assert 'revised after the feedback on round 2: "Shorter intro"' in text
    assert 'Feedback on round 1: "Add a diagram"' in text
    assert "This is the last round" in text


@pytest.mark.parametrize(
    ("outcome", "words"),
    [
        ("published", "was approved and published: /data/published/a.md"),
        ("rejected", "rejected in round 3, the last"),
        ("expired", "expired: nobody decided before the escalation deadline"),
    ],
)
def test_the_end_of_a_review_is_announced(app_env: Path, outcome: str, words: str) -> None:
    request = {
        "instance_id": "inst-7",
        "step": "notify_outcome",
        "idempotency_key": key("inst-7", outcome),
        "to": "r@x.io",
        "outcome": outcome,
        "topic": "ES",
        "draft": run("save_draft", draft_request("inst-7")),
        "rounds": 3,
        "location": "/data/published/a.md",
    }
    result = run("notify_outcome", request)

    text = message_from_bytes(Path(result["path"]).read_bytes(), policy=default).get_content()
    assert result["to"] == "r@x.io" and result["subject"] == f"Review {outcome}: Event sourcing"
    assert words in text and "inst-7" in text
    assert "/api/" not in text  # a person gets no link that needs the function key


@pytest.mark.parametrize(
    ("error", "kind", "words"),
    [
        (
            smtplib.SMTPAuthenticationError(535, b"5.7.8 Authentication credentials invalid"),
            PermanentFailure,
            "rejected the login 535",
        ),
        (
            smtplib.SMTPAuthenticationError(454, b"4.7.0 Temporary authentication failure"),
            TransientFailure,
            "rejected the login 454",
        ),
        (
            smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "agents@example.com"),
            PermanentFailure,
            "answered 553",
        ),
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), PermanentFailure, "cannot be resolved"),
        (
            socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
            TransientFailure,
            "cannot be resolved",
        ),
        (ConnectionResetError(104, "Connection reset by peer"), TransientFailure, "dropped the connection"),
    ],
)
def test_smtp_errors_are_sorted_into_transient_and_permanent(error: Exception, kind: type, words: str) -> None:
    failure = smtp_failure(error, "smtp.example.com:587")
    assert type(failure) is kind and "smtp.example.com:587" in str(failure) and words in str(failure)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (errno.ENOSPC, TransientFailure),
        (errno.EDQUOT, TransientFailure),
        (errno.EROFS, PermanentFailure),
        (errno.EACCES, PermanentFailure),
    ],
)
def test_a_full_disk_is_transient_and_a_read_only_one_permanent(code: int, kind: type) -> None:
    failure = disk_failure(OSError(code, os.strerror(code)), "/data/outbox/x.eml")
    assert type(failure) is kind and os.strerror(code) in str(failure)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(503, TransientFailure), (429, TransientFailure), (403, PermanentFailure), (404, PermanentFailure)],
)
def test_blob_answers_are_sorted_by_status(status: int, kind: type) -> None:
    from azure.core.exceptions import HttpResponseError

    error = HttpResponseError(message=f"status {status}")
    error.status_code = status
    assert type(blob_failure(error, "agent-content")) is kind


def test_a_reply_in_a_thread_names_the_original_and_says_it_is_automatic() -> None:
    from email.headerregistry import Address

    from activities.mail import compose
    from settings import MailSettings

    settings = MailSettings(
        sender="Agent Mail <agents@example.com>", reviewer="r@example.com", escalation="e@example.com", outbox_dir="out"
    )
    thread = Thread(in_reply_to="<q-7@example.org>", references=["<q-5@example.org>", "not an id", "<q-7@example.org>"])
    message = compose(
        settings,
        to=Address("Ada", "ada", "example.org"),
        subject="Re: q",
        body="Hi",
        key="k-1",
        in_reply_to="q-7@example.org",
        thread=thread,
    )
    plain = compose(settings, to=Address("Ada", "ada", "example.org"), subject="Note", body="Hi", key="k-2")

    assert message["Message-ID"] == "<k-1@example.com>" and message["In-Reply-To"] == "<q-7@example.org>"
    assert message["References"] == "<q-5@example.org> <q-7@example.org>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert plain["In-Reply-To"] is None and plain["References"] is None and plain["Auto-Submitted"] is None
