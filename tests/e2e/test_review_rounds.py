"""Human review as a reviewer lives it, on the local host with a real SMTP server: rounds, escalation, expiry,
decisions that count or say why not, and mails that read and work as plain text."""

from __future__ import annotations

import re
import subprocess
import threading
import time
from datetime import datetime
from email.utils import getaddresses
from typing import Any

from devhost.process import DevHost
from tests.e2e.conftest import awaiting_review, page, review_link, start_flow, stored_draft
from tests.smtp import SmtpServer

EDITOR = "editor-in-chief@example.com"
AUTOMATION = {"role": "automation", "address": None}


def mails_to(smtp: SmtpServer, address: str) -> list[Any]:
    return [m for m in smtp.messages if address in [a for _, a in getaddresses([m["To"] or ""])]]


def stage_is(*stages: str, round_number: int | None = None) -> Any:
    def predicate(status: dict[str, Any]) -> bool:
        review = status.get("customStatus") or {}
        return review.get("stage") in stages and round_number in (None, review.get("round"))

    return predicate


def decide(host: DevHost, instance_id: str, approved: bool, feedback: str = "") -> tuple[int, dict[str, Any]]:
    return host.request("POST", f"/api/content/{instance_id}/decision", {"approved": approved, "feedback": feedback})


def test_a_rejection_sends_the_revised_draft_back_to_the_reviewer_who_then_approves_it(
    app_host: DevHost, smtp: SmtpServer
) -> None:
    reviewer = "rounds@contoso.com"
    instance_id = start_flow(app_host, "content", {"topic": "durable review rounds", "reviewer": reviewer})
    app_host.wait_for(instance_id, ("Running",), predicate=awaiting_review)
    code, answer = decide(app_host, instance_id, False, "Add a concrete example")
    assert (code, answer["applied"], answer["round"], answer["decided_by"]) == (202, True, 1, AUTOMATION), answer

    waiting = app_host.wait_for(instance_id, ("Running",), predicate=stage_is("awaiting_approval", round_number=2))
    review = waiting["customStatus"]
    assert review["last_feedback"] == "Add a concrete example" and review["max_rounds"] == 3
    _first, second = mails_to(smtp, reviewer)
    assert "(round 2 of 3)" in second["Subject"]
    assert 'revised after the feedback on round 1: "Add a concrete example"' in second.get_content()
    assert "Add a concrete example" in stored_draft(app_host, review["draft"])["body"]

    code, answer = decide(app_host, instance_id, True, "Better")
    assert (code, answer["round"]) == (202, 2)
    result = app_host.wait_for(instance_id)["output"]
    assert result["status"] == "published"
    assert [(r["round"], r["decision"]["approved"], r["decision"]["feedback"]) for r in result["rounds"]] == [
        (1, False, "Add a concrete example"),
        (2, True, "Better"),
    ]
    assert result["rounds"][0]["draft"]["url"] != result["rounds"][1]["draft"]["url"]
    *_, outcome = mails_to(smtp, reviewer)
    assert (
        outcome["Subject"].startswith("Review published:")
        and result["publication"]["location"] in outcome.get_content()
    )


def test_rejecting_every_round_ends_rejected_and_tells_the_reviewer(app_host: DevHost, smtp: SmtpServer) -> None:
    reviewer = "strict@contoso.com"
    instance_id = start_flow(
        app_host, "content", {"topic": "never good enough", "reviewer": reviewer, "max_review_rounds": 2}
    )
    for round_number in (1, 2):
        app_host.wait_for(instance_id, ("Running",), predicate=stage_is("awaiting_approval", round_number=round_number))
        assert decide(app_host, instance_id, False, f"No, take {round_number}")[0] == 202
    result = app_host.wait_for(instance_id)["output"]
    assert result["status"] == "rejected" and len(result["rounds"]) == 2 and "publication" not in result
    subjects = [m["Subject"] for m in mails_to(smtp, reviewer)]
    assert subjects[:2] == [
        "Review requested (round 1 of 2): Never good enough",
        "Review requested (round 2 of 2): Never good enough",
    ]
    assert subjects[2].startswith("Review rejected:") and len(subjects) == 3


def test_a_missed_deadline_goes_to_the_escalation_contact_whose_decision_publishes(
    app_host: DevHost, smtp: SmtpServer
) -> None:
    before = len(mails_to(smtp, EDITOR))
    instance_id = start_flow(
        app_host,
        "content",
        {
            "topic": "escalated review",
            "reviewer": "slow@contoso.com",
            "timeout_hours": 0.0005,
            "escalation_timeout_hours": 1,
        },
    )
    escalated = app_host.wait_for(instance_id, ("Running",), predicate=stage_is("escalated"), timeout=30)
    assert escalated["customStatus"]["awaiting"] == "ApprovalDecision"
    [escalation] = mails_to(smtp, EDITOR)[before:]
    assert "slow@contoso.com did not decide on round 1 of 3" in escalation.get_content()

    # The reviewer is told, and the link of their review mail, now past its deadline, says where the review went.
    review_mail, notice = mails_to(smtp, "slow@contoso.com")
    assert notice["Subject"] == f"Review escalated: {escalated['customStatus']['draft']['title']}"
    assert f"the escalation contact, {EDITOR}, who can decide until" in notice.get_content()
    expired = review_link(app_host, review_mail)
    assert review_link(app_host, notice) == expired
    code, _, html = page(app_host, expired, "approve", "Late, but approved")
    assert code == 410 and "No decision taken" in html and "<form" not in html
    code, _, html = page(app_host, expired)
    assert code == 410 and "The review went to the escalation contact, who can decide until" in html
    assert EDITOR not in html  # a role, not the contact's address
    assert app_host.status(instance_id)["customStatus"]["decisions"] == []

    code, _, html = page(app_host, review_link(app_host, escalation), "approve", "Approved on behalf of the reviewer")
    assert (
        code == 200 and "You approved round 1" in html and f"This link was for the escalation contact: {EDITOR}" in html
    )
    result = app_host.wait_for(instance_id)["output"]
    assert result["status"] == "published"
    assert result["rounds"][0]["decision"]["decided_by"] == {"role": "escalation contact", "address": EDITOR}
    # the escalation contact decided, so they learn where it was published, as the reviewer does
    assert [notice["to"] for notice in result["notices"]] == ["slow@contoso.com", EDITOR]
    assert "was approved and published" in mails_to(smtp, EDITOR)[-1].get_content()
    code, _, html = page(app_host, expired)
    assert code == 410 and "Round 1 was approved by the escalation contact. The article is published." in html
    assert "Approved on behalf of the reviewer" in html


def test_a_second_missed_deadline_expires_the_review_and_a_late_decision_is_409(
    app_host: DevHost, smtp: SmtpServer
) -> None:
    reviewer = "away@contoso.com"
    before = len(mails_to(smtp, EDITOR))
    instance_id = start_flow(
        app_host,
        "content",
        {"topic": "nobody decides", "reviewer": reviewer, "timeout_hours": 0.0003, "escalation_timeout_hours": 0.0003},
    )
    result = app_host.wait_for(instance_id, timeout=30)["output"]
    assert result["status"] == "expired" and result["rounds"][0]["decision"] is None
    assert [m["Subject"].split(":")[0] for m in mails_to(smtp, reviewer)] == [
        "Review requested (round 1 of 3)",
        "Review escalated",
        "Review expired",
    ]
    assert [m["Subject"].split(":")[0] for m in mails_to(smtp, EDITOR)[before:]] == ["Escalation", "Review expired"]

    code, answer = decide(app_host, instance_id, True)
    assert code == 409 and "the review has ended (expired)" in answer["error"], answer


def test_mails_read_as_plain_text_carry_a_whole_link_and_a_command_that_works(
    app_host: DevHost, smtp: SmtpServer
) -> None:
    """What a reviewer sees with `cat`: no quoted-printable soft breaks; the curl command, pasted, decides."""
    reviewer = "terminal@contoso.com"
    instance_id = start_flow(app_host, "content", {"topic": "copy and paste", "reviewer": reviewer})
    app_host.wait_for(instance_id, ("Running",), predicate=awaiting_review)
    [notice] = mails_to(smtp, reviewer)
    raw = notice.as_bytes().decode()
    assert "quoted-printable" not in raw and "=\n" not in raw
    assert f"\n  {app_host.url}/api/review/{instance_id}?t=" in raw
    command = re.search(r"^  curl -X POST .*?'\n", raw, re.MULTILINE | re.DOTALL)
    assert command, raw
    approve = command.group(0).replace('"feedback": "Looks good"', '"feedback": "Pasted from the mail"')
    reply = subprocess.run(["sh", "-c", approve], capture_output=True, text=True, timeout=30)
    assert '"applied": true' in reply.stdout, reply
    assert app_host.wait_for(instance_id)["output"]["rounds"][0]["decision"]["feedback"] == "Pasted from the mail"


def test_decisions_at_the_last_moment_are_either_applied_or_refused_never_lost(app_host: DevHost) -> None:
    """Thirty reviews expire within a second of a decision sent just before or after their deadline: every 202 was
    applied to the output, every refusal says too late, and no decision said 202 and then vanished."""
    deadline_hours = 2.5 / 3600  # the escalation deadline, 2.5 s after the escalation
    runs = [
        start_flow(
            app_host,
            "content",
            {"topic": f"race {n}", "timeout_hours": 0.0002, "escalation_timeout_hours": deadline_hours},
        )
        for n in range(30)
    ]
    answers: dict[str, tuple[int, dict[str, Any]]] = {}

    def decide_at_the_deadline(index: int, instance_id: str) -> None:
        review = app_host.wait_for(instance_id, ("Running",), predicate=stage_is("escalated"), timeout=60)[
            "customStatus"
        ]
        deadline = datetime.fromisoformat(review["deadline"].replace("Z", "+00:00")).timestamp()
        time.sleep(max(0.0, deadline - time.time() + (index % 10 - 5) * 0.05))  # from 0.25 s before to 0.2 s after
        answers[instance_id] = decide(app_host, instance_id, True, "just in time?")

    threads = [threading.Thread(target=decide_at_the_deadline, args=(n, i)) for n, i in enumerate(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    for instance_id in runs:
        code, answer = answers[instance_id]
        result = app_host.wait_for(instance_id, timeout=60)["output"]
        if code == 202:
            assert answer["applied"] is True and result["status"] == "published", (answer, result)
            assert result["rounds"][0]["decision"]["decision_id"] == answer["decision_id"]
        else:
            assert code == 409 and ("too late" in answer["error"] or "has ended" in answer["error"]), answer
            assert result["status"] == "expired", result


def test_two_rejections_at_once_decide_round_one_once_and_round_two_waits(app_host: DevHost) -> None:
    instance_id = start_flow(app_host, "content", {"topic": "two editors at once", "reviewer": "pair@contoso.com"})
    app_host.wait_for(instance_id, ("Running",), predicate=awaiting_review)
    answers: list[tuple[int, dict[str, Any]]] = []
    threads = [
        threading.Thread(target=lambda n=n: answers.append(decide(app_host, instance_id, False, f"no {n}")))
        for n in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(code for code, _ in answers) == [202, 409], answers
    waiting = app_host.wait_for(instance_id, ("Running",), predicate=stage_is("awaiting_approval", round_number=2))
    assert [d["round"] for d in waiting["customStatus"]["decisions"]] == [1]


def test_a_retried_decision_for_round_one_never_decides_round_two(app_host: DevHost) -> None:
    instance_id = start_flow(app_host, "content", {"topic": "stale decisions", "reviewer": "stale@contoso.com"})
    app_host.wait_for(instance_id, ("Running",), predicate=awaiting_review)
    key = {"Idempotency-Key": "rejection-1"}
    body = {"approved": False, "feedback": "first", "round": 1}
    code, first = app_host.request("POST", f"/api/content/{instance_id}/decision", body, headers=key)
    assert code == 202 and first["applied"] is True
    app_host.wait_for(instance_id, ("Running",), predicate=stage_is("awaiting_approval", round_number=2))
    assert app_host.request("POST", f"/api/content/{instance_id}/decision", body, headers=key) == (202, first)
    code, refused = app_host.request("POST", f"/api/content/{instance_id}/decision", {**body, "approved": True})
    assert (code, refused["outcome"]) == (409, "already_decided"), refused
    assert [d["round"] for d in app_host.status(instance_id)["customStatus"]["decisions"]] == [1]
    assert decide(app_host, instance_id, True, "second")[0] == 202
    assert app_host.wait_for(instance_id)["output"]["status"] == "published"


def test_a_decision_sent_while_the_escalation_mail_goes_out_is_applied(app_host: DevHost, smtp: SmtpServer) -> None:
    smtp.script(EDITOR, "451 4.3.0 try later", "451 4.3.0 try later")  # holds the flow in `escalating` a while
    instance_id = start_flow(
        app_host,
        "content",
        {"topic": "decided while escalating", "reviewer": "late@contoso.com", "timeout_hours": 0.0003},
    )
    app_host.wait_for(instance_id, ("Running",), predicate=stage_is("escalating"), timeout=30)
    code, answer = decide(app_host, instance_id, False, "rejected during the escalation")
    assert (code, answer["applied"], answer["decided_by"]) == (202, True, AUTOMATION), answer
    app_host.wait_for(instance_id, ("Running",), predicate=stage_is("awaiting_approval", round_number=2), timeout=30)
