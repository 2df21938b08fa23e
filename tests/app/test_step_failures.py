"""The flows when side effects fail or grow: retried when transient, failed at once and clearly when permanent,
run again under a reused instance id, and a long draft kept out of the custom status. Stepped in-process with
real offline agents, real activities and a real SMTP server."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from activities.side_effects import load_draft
from activities.storage import LocalFolderStore
from agents.offline import writing
from orchestrations.activity_calls import StepGaveUp
from orchestrations.content_approval import content_approval_workflow
from orchestrations.spam_detection import spam_detection_orchestration
from reviewing.protocol import DraftReference
from tests.app.fakes import FakeContext, InProcessAgents, flow_context, run_flow, signed
from tests.app.test_orchestrations import HAM
from tests.long_article_drafts import LAST_LINE, long_article_draft
from tests.smtp import SmtpServer

CUSTOM_STATUS_LIMIT = 16 * 1024


def calls(ctx: FakeContext, step: str) -> int:
    return [name for name, _ in ctx.activity_calls].count(step)


def test_a_451_then_accept_sends_exactly_one_reply(smtp_server: SmtpServer, agents: InProcessAgents) -> None:
    smtp_server.script("alice@contoso.com", "451 4.3.0 Mailbox busy, try again later")
    ctx = flow_context(HAM)
    result = run_flow(spam_detection_orchestration, ctx, agents)

    assert result["delivery"]["transport"] == "smtp" and result["delivery"]["repeat"] is False
    assert len(smtp_server.to("alice@contoso.com")) == 1 == len(smtp_server.messages)
    assert calls(ctx, "send_email") == 2
    [wait] = ctx.timers
    assert wait.fire_at == ctx.current_utc_datetime + timedelta(seconds=5)  # ACTIVITY_FIRST_RETRY_SECONDS
    sending, retrying, sent = ctx.custom_statuses[-4:-1]
    assert sending == sent == {"stage": "sending_reply", "email_id": sending["email_id"]}
    [retry] = retrying.pop("retrying")
    assert retrying == sending and retry["step"] == "send_email" and "451 4.3.0 Mailbox busy" in retry["reason"]
    assert (retry["next_attempt"], retry["max_attempts"], retry["next_attempt_at"]) == (2, 5, "2026-01-01T12:00:05Z")
    assert ctx.custom_statuses[-1]["stage"] == "done"


def test_a_550_fails_the_content_flow_at_once_keeping_the_stage_and_the_draft(
    smtp_server: SmtpServer, agents: InProcessAgents, app_env: Path
) -> None:
    smtp_server.script("gone@contoso.com", *["550 5.1.1 No such user here"] * 5)
    ctx = flow_context({"topic": "event sourcing", "reviewer": "gone@contoso.com"})

    with pytest.raises(StepGaveUp) as failure:
        run_flow(content_approval_workflow, ctx, agents)

    assert str(failure.value).startswith("notify_reviewer failed, and retrying cannot help: ")
    assert "refused the recipient (gone@contoso.com: 550 5.1.1 No such user here)" in str(failure.value)
    assert calls(ctx, "notify_reviewer") == 1 and smtp_server.attempts["gone@contoso.com"] == 1
    status = ctx.custom_statuses[-1]
    assert status["stage"] == "notifying_reviewer" and "body" not in status["draft"]
    assert (
        load_draft(LocalFolderStore(str(app_env)), DraftReference.model_validate(status["draft"]))["title"]
        == "Event sourcing"
    )


def test_an_end_notice_that_bounces_does_not_undo_a_publication(
    smtp_server: SmtpServer, agents: InProcessAgents, app_env: Path
) -> None:
    smtp_server.script("leaves@contoso.com", None, "550 5.1.1 Mailbox closed")  # the review request, then the notice
    ctx = flow_context(
        {"topic": "event sourcing", "reviewer": "leaves@contoso.com"},
        decisions=[signed({"approved": True, "feedback": "Ship it"}, 1)],
    )
    result = run_flow(content_approval_workflow, ctx, agents)

    assert result["status"] == "published" and Path(result["publication"]["location"]).is_file()
    [notice] = result["notices"]
    assert notice["sent"] is False and "550 5.1.1 Mailbox closed" in notice["error"]
    assert ctx.custom_statuses[-1]["stage"] == "published"


def test_a_transient_failure_on_every_attempt_fails_after_the_last_one(
    smtp_server: SmtpServer, agents: InProcessAgents, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTIVITY_MAX_ATTEMPTS", "3")
    smtp_server.script("alice@contoso.com", *["421 4.7.0 Too many connections"] * 3)
    ctx = flow_context(HAM)

    with pytest.raises(
        StepGaveUp, match=r"^send_email failed 3 time\(s\); giving up: .*421 4\.7\.0 Too many connections"
    ):
        run_flow(spam_detection_orchestration, ctx, agents)
    assert calls(ctx, "send_email") == 3 and smtp_server.messages == []
    # A wait before each retry, none after the last attempt: the flow fails at once, in the stage it failed in.
    assert [t.fire_at - ctx.current_utc_datetime for t in ctx.timers] == [timedelta(seconds=5), timedelta(seconds=10)]
    retries = [s["retrying"][0] for s in ctx.custom_statuses if "retrying" in s]
    assert [(r["step"], r["next_attempt"], r["max_attempts"]) for r in retries] == [
        ("send_email", 2, 3),
        ("send_email", 3, 3),
    ]
    assert all("421 4.7.0 Too many connections" in r["reason"] for r in retries)
    assert ctx.custom_statuses[-1] == {"stage": "sending_reply", "email_id": ctx.custom_statuses[-1]["email_id"]}


def test_a_reused_instance_id_sends_its_mail_again_to_the_new_recipient(
    smtp_server: SmtpServer, agents: InProcessAgents
) -> None:
    first = run_flow(spam_detection_orchestration, flow_context(HAM, instance_id="reused", execution="1"), agents)
    second_input = {**HAM, "sender": "Bob <bob@contoso.com>"}
    second = run_flow(
        spam_detection_orchestration, flow_context(second_input, instance_id="reused", execution="2"), agents
    )

    assert smtp_server.recipients == [["alice@contoso.com"], ["bob@contoso.com"]]
    assert (first["delivery"]["repeat"], second["delivery"]["repeat"]) == (False, False)
    assert first["delivery"]["message_id"] != second["delivery"]["message_id"]


def utf16_size(status: Any) -> int:
    """The size the Durable extension checks: the custom status JSON as .NET strings hold it (UTF-16)."""
    return len(json.dumps(status, ensure_ascii=False).encode("utf-16-le"))


@pytest.mark.parametrize("approved", [True, False])
def test_a_30000_character_draft_and_long_inputs_keep_the_custom_status_well_under_16_kb(
    app_env: Path, agents: InProcessAgents, monkeypatch: pytest.MonkeyPatch, approved: bool
) -> None:
    monkeypatch.setattr(writing, "article_draft", long_article_draft)
    topic = "“Durable” Grüße 長い " * 25  # 500 characters that JSON does not keep as ASCII
    reviewer = f'"{"Rita Ω " * 40}" <rita@contoso.com>'
    decision = {"approved": approved, "feedback": '"\\' * 2500}  # 5,000 characters that JSON escapes
    rounds = 10  # every round's decision stays listed in the custom status
    ctx = flow_context(
        {"topic": topic[:500], "reviewer": reviewer, "max_review_rounds": rounds},
        decisions=[signed({**decision, "approved": n == rounds and approved}, n) for n in range(1, rounds + 1)],
    )
    result = run_flow(content_approval_workflow, ctx, agents)

    assert max(utf16_size(status) for status in ctx.custom_statuses) < CUSTOM_STATUS_LIMIT / 2
    assert LAST_LINE not in json.dumps(result)  # the output, too, carries references to the drafts, not their text
    store = LocalFolderStore(str(app_env))
    first, last = (
        load_draft(store, DraftReference.model_validate(r["draft"]))["body"]
        for r in (result["rounds"][0], result["rounds"][-1])
    )
    assert len(first) > 30_000 and first.endswith(LAST_LINE) and LAST_LINE in last  # revisions add notes after it
    if approved:
        assert LAST_LINE in Path(result["publication"]["location"]).read_text()
