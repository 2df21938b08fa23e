"""Raw RFC 822 messages through the real app on the local host: the classifier's evidence, quarantine, reply."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from pathlib import Path

from devhost.process import DevHost
from tests.e2e.conftest import API, start_flow
from tests.raw_messages import RAW_HAM, RAW_SPAM
from tests.smtp import SmtpServer


def test_a_raw_spam_message_is_quarantined_as_it_arrived(app_host: DevHost, smtp: SmtpServer) -> None:
    sent_before = len(smtp.to("claims@prize-center.example"))  # where a reply would go
    instance_id = start_flow(app_host, "spam-detection", {"raw": RAW_SPAM})

    status = app_host.wait_for(instance_id)
    result = status["output"]
    assert result["branch"] == "spam" and result["email_id"] == "prize-77@prize-center.example"
    assert "the trained classifier scores it" in result["verdict"]["reason"]
    assert any("bare IP address" in signal for signal in result["verdict"]["signals"])
    quarantined = message_from_bytes(Path(result["quarantine"]["location"]).read_bytes(), policy=policy.default)
    assert quarantined["X-Spam-Flag"] == "YES" and quarantined["Message-ID"] == "<prize-77@prize-center.example>"
    assert [part.get_filename() for part in quarantined.iter_attachments()] == ["claim-form.exe"]
    assert len(smtp.to("claims@prize-center.example")) == sent_before
    code, sessions = app_host.request("GET", f"{API}/entities/dafx-spamdetectionagent")
    assert code == 200 and '"score_spam"' in json.dumps(sessions)


def test_a_raw_legitimate_message_is_answered_to_its_sender(app_host: DevHost, smtp: SmtpServer) -> None:
    instance_id = start_flow(app_host, "spam-detection", {"raw": RAW_HAM})

    result = app_host.wait_for(instance_id)["output"]
    assert result["branch"] == "legitimate" and result["email_id"] == "patch-review-3@example.org"
    [reply] = [m for m in smtp.messages if "grace@example.org" in (m["To"] or "")]
    assert reply["Subject"] == "Re: parser patch for the release branch"


def test_a_raw_message_over_512_kb_is_a_400_naming_raw(app_host: DevHost) -> None:
    code, body = app_host.request("POST", "/api/spam-detection/run", {"raw": RAW_HAM + "x" * 512 * 1024})

    assert code == 400 and [d["field"] for d in body["details"]] == ["raw"]
    assert "512 KB" in body["details"][0]["message"]


def test_a_large_non_ascii_message_within_512_kb_is_checked_and_one_too_large_once_encoded_is_a_400(
    app_host: DevHost,
) -> None:
    """JSON writes each non-ASCII character as six bytes: the input carries the message once (its text is read
    again from it), and what would still exceed the scheduler's message size is refused at the door."""
    accents = "From: a@example.com\nSubject: Grüße\n\n" + "é" * 90_000  # 180 KB of UTF-8, 540 KB as JSON
    instance_id = start_flow(app_host, "spam-detection", {"raw": accents})
    assert app_host.wait_for(instance_id, timeout=60)["runtimeStatus"] == "Completed"

    wide = "From: a@example.com\nSubject: 長い\n\n" + "長" * 170_000  # 510 KB of UTF-8, about 1 MB as JSON
    code, body = app_host.request("POST", "/api/spam-detection/run", {"raw": wide})
    assert code == 400 and body["details"][0]["field"] == "body", body
    assert "once encoded" in body["details"][0]["message"]
