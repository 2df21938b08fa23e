"""Side effects of the real app on the local host, with a real SMTP server that misbehaves on demand:
recipients cannot be injected, transient failures are retried into exactly one mail, permanent ones fail the
flow at once and keep its draft, reused and odd instance ids keep their own mail and artifacts, and a
30,000-character draft stays out of the custom status."""

from __future__ import annotations

import json
import re
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from devhost.process import DevHost
from devhost.store.events import parse_timestamp
from tests.conftest import wait_until
from tests.e2e.conftest import awaiting_review, history, new_app_host, start_flow, stored_draft
from tests.long_article_drafts import LAST_LINE
from tests.smtp import SmtpServer, running_smtp_server

MANAGEMENT = "/runtime/webhooks/durabletask"
HAM = {"content": "Hi Sam, could we move Thursday's review to 3pm? Thanks, Alex", "subject": "Review time"}
SPAM = {"content": "URGENT!!! You WON $1,000,000. Click http://bit.ly/claim-now and send your bank details."}
CUSTOM_STATUS_LIMIT = 16 * 1024


def start_with_id(host: DevHost, flow: str, instance_id: str, body: Any) -> str:
    """Start `flow` under a chosen instance id through the Durable management API (it allows reusing an ended id)."""
    code, reply = host.request("POST", f"{MANAGEMENT}/orchestrators/{flow}/{quote(instance_id, safe='')}", body)
    assert code == 202, reply
    return reply["id"]


def failed_tasks(host: DevHost, instance_id: str) -> list[str]:
    return [e["Reason"] for e in history(host, quote(instance_id, safe="")) if e["EventType"] == "TaskFailed"]


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        (
            "spam-detection",
            {"content": "Hi", "sender": "a@example.com, v1@victim.example, v2@victim.example"},
            "sender",
        ),
        ("spam-detection", {"content": "Hi", "sender": "Friends: v1@victim.example, v2@victim.example;"}, "sender"),
        ("spam-detection", {"content": "Hi", "sender": "a@example.com v1@victim.example"}, "sender"),
        ("content", {"topic": "t", "reviewer": "rita@contoso.com, v1@victim.example"}, "reviewer"),
    ],
)
def test_recipient_injection_is_a_400_naming_the_field_and_sends_nothing(
    app_host: DevHost, smtp: SmtpServer, route: str, body: dict[str, str], field: str
) -> None:
    code, reply = app_host.request("POST", f"/api/{route}/run", body)

    assert code == 400 and [d["field"] for d in reply["details"]] == [field]
    assert smtp.attempts["v1@victim.example"] == 0 and smtp.to("v1@victim.example") == []


def test_an_injected_recipient_started_around_the_route_fails_the_flow_before_any_mail(
    app_host: DevHost, smtp: SmtpServer
) -> None:
    body = {**HAM, "sender": "kai@contoso.com, v3@victim.example"}
    status = app_host.wait_for(start_with_id(app_host, "spam_detection_orchestration", "injected-directly", body))

    assert status["runtimeStatus"] == "Failed" and "sender" in status["output"] and "exactly one" in status["output"]
    assert smtp.attempts["v3@victim.example"] == 0 and smtp.attempts["kai@contoso.com"] == 0


def test_a_451_is_retried_and_exactly_one_mail_arrives(app_host: DevHost, smtp: SmtpServer) -> None:
    smtp.script("busy@contoso.com", "451 4.3.0 Mailbox busy, try again later")
    instance_id = start_flow(app_host, "spam-detection", {**HAM, "sender": "Busy <busy@contoso.com>"})

    assert app_host.wait_for(instance_id)["output"]["delivery"]["repeat"] is False
    assert len(smtp.to("busy@contoso.com")) == 1 and smtp.attempts["busy@contoso.com"] == 2
    [reason] = failed_tasks(app_host, instance_id)
    assert "451 4.3.0 Mailbox busy, try again later" in reason


def test_a_refusing_then_stalling_server_is_retried_until_it_accepts(tmp_path: Path) -> None:
    with running_smtp_server() as smtp:
        host = new_app_host(tmp_path, smtp.port).start()
        try:
            with smtp.refusing():
                instance_id = start_flow(host, "spam-detection", {**HAM, "sender": "pat@contoso.com"})
                wait_until(lambda: failed_tasks(host, instance_id), "an attempt refused by the server")
                smtp.script("pat@contoso.com", 5.0)  # the next attempt finds the server up, but stalled
            assert host.wait_for(instance_id, timeout=60)["runtimeStatus"] == "Completed"
            refused, stalled = failed_tasks(host, instance_id)
        finally:
            host.stop()
        assert "refused the connection" in refused and "did not answer in time" in stalled
        assert len(smtp.to("pat@contoso.com")) == 1 and len(smtp.messages) == 1


def test_a_mail_server_that_stays_down_fails_the_flow_right_after_the_last_attempt_in_the_sending_stage(
    tmp_path: Path,
) -> None:
    with running_smtp_server() as smtp:
        host = new_app_host(tmp_path, smtp.port, ACTIVITY_MAX_ATTEMPTS="3").start()
        try:
            with smtp.refusing():
                instance_id = start_flow(host, "spam-detection", {**HAM, "sender": "pat@contoso.com"})
                status = host.wait_for(instance_id, timeout=60)
            events = history(host, instance_id)
            log = host.log()
        finally:
            host.stop()

    assert status["runtimeStatus"] == "Failed"
    assert status["output"].startswith(
        "Orchestrator function 'spam_detection_orchestration' failed: send_email failed 3"
    )
    assert f"SMTP server 127.0.0.1:{smtp.port} refused the connection" in status["output"]
    assert status["customStatus"] == {"stage": "sending_reply", "email_id": status["customStatus"]["email_id"]}
    # Three attempts with a wait before each retry (0.5 s, then doubled), and nothing after the last one.
    first_send = next(i for i, e in enumerate(events) if e.get("Name") == "send_email")
    steps = [e for e in events[first_send:] if e["EventType"] in ("TaskScheduled", "TimerCreated")]
    assert [e.get("Name", "timer") for e in steps] == ["send_email", "timer", "send_email", "timer", "send_email"]
    waits = [parse_timestamp(e["FireAt"]) - parse_timestamp(e["Timestamp"]) for e in steps if "FireAt" in e]
    assert waits == pytest.approx([0.5, 1.0], abs=1e-3)
    assert [e["EventType"] for e in events].count("TaskFailed") == 3
    assert [f"attempt {n} of 3 at" in log for n in (2, 3, 4)] == [True, True, False]  # each retry announced
    assert re.search(
        rf"activity send_email for {instance_id} failed \([\d.]+ ms\): TransientFailure: SMTP server 127\.0\.0\.1:"
        rf"{smtp.port} refused the connection$",
        log,
        re.M,
    )


def test_a_550_fails_the_flow_at_once_and_keeps_the_stage_and_the_draft(app_host: DevHost, smtp: SmtpServer) -> None:
    smtp.script("gone@contoso.com", *["550 5.1.1 No such user here"] * 3)
    instance_id = start_flow(app_host, "content", {"topic": "bounced reviews", "reviewer": "gone@contoso.com"})
    status = app_host.wait_for(instance_id)

    assert status["runtimeStatus"] == "Failed"
    assert "notify_reviewer failed, and retrying cannot help" in status["output"]
    assert "gone@contoso.com: 550 5.1.1 No such user here" in status["output"]
    assert smtp.attempts["gone@contoso.com"] == 1 and failed_tasks(app_host, instance_id) == []  # never retried
    draft = status["customStatus"]["draft"]
    assert status["customStatus"]["stage"] == "notifying_reviewer"
    assert stored_draft(app_host, draft)["body"].startswith(f"# {draft['title']}")


def test_a_reused_instance_id_mails_again_to_its_new_recipient(app_host: DevHost, smtp: SmtpServer) -> None:
    runs = []
    for sender in ("first@contoso.com", "second@contoso.com"):
        start_with_id(app_host, "spam_detection_orchestration", "reused-id", {**HAM, "sender": sender})
        runs.append(app_host.wait_for("reused-id", predicate=lambda s, sender=sender: s["input"]["sender"] == sender))

    assert [run["output"]["delivery"]["repeat"] for run in runs] == [False, False]
    assert len(smtp.to("first@contoso.com")) == 1 and len(smtp.to("second@contoso.com")) == 1


def test_long_and_look_alike_instance_ids_keep_their_own_artifacts(app_host: DevHost, data_dir: Path) -> None:
    ids = ["x" * 256, "coll.a", "coll--a", "coll:a", "coll_a", "coll@a"]  # "/" is refused by Azure (and here)
    for instance_id in ids:
        start_with_id(
            app_host, "spam_detection_orchestration", instance_id, {**SPAM, "email_id": "same", "subject": instance_id}
        )
    files = [Path(app_host.wait_for(quote(i, safe=""))["output"]["quarantine"]["location"]) for i in ids]

    assert len(set(files)) == len(ids)
    for instance_id, file in zip(ids, files, strict=True):
        assert message_from_bytes(file.read_bytes(), policy=default)["Subject"] == instance_id
        assert all(len(part.encode()) < 255 for part in file.relative_to(data_dir).parts)

    content = start_with_id(app_host, "content_approval_workflow", "y" * 256, {"topic": "long ids"})
    app_host.wait_for(content, ("Running",), predicate=awaiting_review)
    assert app_host.request("POST", f"/api/content/{content}/decision", {"approved": True})[0] == 202
    assert Path(app_host.wait_for(content)["output"]["publication"]["location"]).is_file()


def test_a_30000_character_draft_stays_out_of_the_custom_status_and_is_published_whole(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    host = new_app_host(tmp_path, smtp.port, app="tests.e2e.apps.long_drafts").start()
    try:
        instance_id = start_flow(host, "content", {"topic": "long reads", "reviewer": "lena@contoso.com"})
        waiting = host.wait_for(instance_id, ("Running",), predicate=awaiting_review)
        status_size = len(json.dumps(waiting["customStatus"], ensure_ascii=False).encode("utf-16-le"))
        assert status_size < CUSTOM_STATUS_LIMIT / 4, status_size
        [notice] = smtp.to("lena@contoso.com")
        assert notice.get_content().rstrip().endswith(LAST_LINE)  # the reviewer reads the whole article
        assert len(stored_draft(host, waiting["customStatus"]["draft"])["body"]) > 30_000

        assert host.request("POST", f"/api/content/{instance_id}/decision", {"approved": True})[0] == 202
        result = host.wait_for(instance_id)
        published = Path(result["output"]["publication"]["location"]).read_text()
        assert published.rstrip().endswith(LAST_LINE) and len(published) > 30_000
        assert LAST_LINE not in json.dumps(result["output"])  # the output holds references, not the text
    finally:
        host.stop()
