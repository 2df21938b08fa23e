"""The review page's handler on a durable client double: who may open it, what a malformed form gets, and text
from callers and the model shown escaped under a Content-Security-Policy that allows no script."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.functions as func
import pytest

from api.review_page import CSP, review_page
from reviewing.protocol import Role
from reviewing.signing import ReviewLink, sign_link
from settings import app_settings
from tests.app.fakes import run_activity
from tests.app.test_api import FakeClient, status
from tests.app.test_api import review as flow_status

WAITED_UNTIL = datetime(2099, 1, 1, tzinfo=UTC)
"""The deadline the round of these tests waits on (`tests.app.test_api.AWAITING`), and its link names."""


def review(stage: str, round_number: int = 1, **fields: Any) -> dict[str, Any]:
    """A content flow's status after it mailed the reviewer the links these tests open (unless `fields` say else)."""
    return flow_status(stage, round_number, **{"reviewer": "Rita <rita@contoso.com>", **fields})


HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&"
PROSE = "A draft is at least a paragraph long: this one says little more than that, in twenty words or so."


def link(**changes: Any) -> str:
    grant = ReviewLink(
        instance_id="i1",
        round=1,
        role=Role.REVIEWER,
        address="rita@contoso.com",
        deadline=WAITED_UNTIL,
    )
    return sign_link(grant.model_copy(update=changes))


def open_page(
    client: FakeClient, token: str, form: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str, dict[str, str]]:
    req = func.HttpRequest(
        "POST" if form is not None else "GET",
        "http://localhost:7071/api/review/i1",
        body=form or b"",
        params={"t": token},
        route_params={"instance_id": "i1"},
        headers=headers or {},
    )
    response = asyncio.run(review_page(req, client))
    return response.status_code, response.get_body().decode(), dict(response.headers)


@pytest.fixture
def waiting(app_env: Any) -> FakeClient:
    draft = run_activity(
        "save_draft",
        {
            "instance_id": "i1",
            "step": "save_draft",
            "idempotency_key": "6c92a884-be63-5825-ba5e-659af8b423e0",
            "article": {
                "title": HOSTILE,
                "body": f"# {HOSTILE}\n\n{HOSTILE}\n\n{PROSE}",
                "word_count": 23,
                "reading_time_minutes": 1,
            },
        },
    )
    custom = review("awaiting_approval", topic=HOSTILE, draft=draft, deadline="2099-01-01T00:00:00Z")
    return FakeClient({"i1": status("content_approval_workflow", "Running", custom)})


def test_caller_and_model_text_is_escaped_and_no_script_may_run(waiting: FakeClient) -> None:
    code, html, headers = open_page(waiting, link())

    assert code == 200 and "<script>" not in html and "<img" not in html and "onerror=alert(2)&gt;" in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # the topic, the draft's title and body
    assert (
        "script-src" not in headers["Content-Security-Policy"]
        and "default-src 'none'" in headers["Content-Security-Policy"]
    )
    assert headers["X-Frame-Options"] == "DENY" and headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (b"decision=maybe", "decision"),
        (b"decision=approve&decision=reject", "decision"),
        (b"feedback=x", "decision"),
        (b"decision=reject&feedback=" + b"x" * 5001, "feedback"),
        (b"decision=approve&\xff", "form"),
        (b"decision=approve&" + b"a=1&" * 20, "form"),
    ],
)
def test_a_form_that_is_not_a_decision_is_400_and_decides_nothing(waiting: FakeClient, form: bytes, field: str) -> None:
    code, html, _ = open_page(waiting, link(), form)
    assert code == 400 and "could not be read" in html and waiting.events == []


def test_with_app_service_authentication_only_the_person_the_link_was_mailed_to_may_use_it(
    waiting: FakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBSITE_AUTH_ENABLED", "True")
    app_settings.cache_clear()  # App Service Authentication switched on: a new start
    assert open_page(waiting, link())[0] == 403
    assert open_page(waiting, link(), headers={"X-MS-CLIENT-PRINCIPAL-NAME": "mallory@contoso.com"})[0] == 403
    code, _, _ = open_page(
        waiting, link(), b"decision=approve", headers={"X-MS-CLIENT-PRINCIPAL-NAME": "Rita@Contoso.com"}
    )
    assert code == 200 and [data["decided_by"] for _, _, data in waiting.events] == [
        {"role": "reviewer", "address": "rita@contoso.com"}
    ]


def test_a_link_for_a_round_not_yet_open_shows_no_form(waiting: FakeClient) -> None:
    code, html, _ = open_page(waiting, link(round=2))
    assert code == 200 and "Not open for a decision yet" in html and "<form" not in html
    code, html, _ = open_page(waiting, link(round=2), b"decision=approve")
    assert code == 409 and "round 2 is not open yet" in html.lower() and waiting.events == []


def test_the_page_quotes_the_feedback_its_draft_answers_never_a_later_one(waiting: FakeClient) -> None:
    decided = {"approved": False, "decided_by": {"role": "reviewer", "address": "rita@contoso.com"}}
    custom = waiting.statuses["i1"]["customStatus"]
    round_two = {**custom, "round": 2, "decisions": [{**decided, "round": 1}], "last_feedback": "Add an example"}
    waiting.statuses["i1"] = status("content_approval_workflow", "Running", round_two)
    assert "<blockquote>Add an example</blockquote>" in open_page(waiting, link(round=2))[1]

    approved = {**decided, "round": 2, "approved": True}
    ended = {
        **round_two,
        "stage": "published",
        "decisions": [{**decided, "round": 1}, approved],
        "last_feedback": "Ship it",
    }
    waiting.statuses["i1"] = status("content_approval_workflow", "Completed", ended)
    html = open_page(waiting, link(round=2))[1]
    assert "Ship it" not in html and "The feedback this draft answers" not in html


def test_the_draft_reads_as_formatted_text_and_its_links_go_nowhere(app_env: Any) -> None:
    body = f"# Title\n\nSome *emphasis* and **strong** text.\n\n- one\n- two\n\n[click](javascript:alert(1)) <https://x.example>\n\n{PROSE}"
    article = {"title": "Title", "body": body, "word_count": 34, "reading_time_minutes": 1}
    draft = run_activity(
        "save_draft", {"instance_id": "i1", "step": "save_draft", "idempotency_key": "k-markdown", "article": article}
    )
    custom = review("awaiting_approval", draft=draft, deadline="2099-01-01T00:00:00Z")
    code, html, _ = open_page(FakeClient({"i1": status("content_approval_workflow", "Running", custom)}), link())

    assert code == 200 and "<em>emphasis</em>" in html and "<strong>strong</strong>" in html
    assert "<li>one</li>" in html and "<h3>Title</h3>" in html  # below the page's own headings
    assert "<a " not in html and "[click](javascript:alert(1))" in html and "&lt;https://x.example&gt;" in html


def test_an_expired_link_says_where_the_review_went_and_decides_nothing(waiting: FakeClient) -> None:
    custom = waiting.statuses["i1"]["customStatus"]
    escalated = {
        **custom,
        "stage": "escalated",
        "escalation_contact": "chief@contoso.com",
        "missed_deadline": "2026-01-01T09:00:00Z",
        "deadline": "2099-01-02T09:00:00Z",
    }
    waiting.statuses["i1"] = status("content_approval_workflow", "Running", escalated)
    expired = link(deadline=datetime(2026, 1, 1, 9, 0, tzinfo=UTC))

    code, html, headers = open_page(waiting, expired)
    assert code == 410 and headers["Content-Security-Policy"] == CSP and "<form" not in html
    assert "Your deadline passed on 2026-01-01 09:00 UTC" in html
    assert "went to the escalation contact, who can decide until 2099-01-02 09:00 UTC" in html
    assert "chief@contoso.com" not in html and "more may follow" not in html and "(passed)" in html

    code, html, _ = open_page(waiting, expired, b"decision=approve&feedback=late")
    assert code == 410 and "No decision taken" in html and waiting.events == []


def test_an_expired_link_tells_of_a_decision_taken_by_someone_else_escaped(waiting: FakeClient) -> None:
    decided = {"round": 1, "approved": False, "decided_by": {"role": "escalation contact", "address": "c@contoso.com"}}
    custom = waiting.statuses["i1"]["customStatus"]
    revising = {**custom, "stage": "revising", "round": 2, "decisions": [decided], "last_feedback": HOSTILE}
    waiting.statuses["i1"] = status("content_approval_workflow", "Running", revising)

    code, html, _ = open_page(waiting, link(deadline=datetime.now(UTC) - timedelta(minutes=5)))
    assert code == 410 and "Round 1 was rejected by the escalation contact" in html
    assert "round 2 goes to the reviewer with a new link" in html and "c@contoso.com" not in html
    assert "<script>" not in html and "<img" not in html and html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2


@pytest.mark.parametrize("stage", ["published", "rejected", "expired"])
def test_an_expired_link_says_how_the_review_ended(waiting: FakeClient, stage: str) -> None:
    custom = {**waiting.statuses["i1"]["customStatus"], "stage": stage, "max_rounds": 1}
    if stage != "expired":
        by = {"role": "reviewer", "address": "rita@contoso.com"}
        custom["decisions"] = [{"round": 1, "approved": stage == "published", "decided_by": by}]
    waiting.statuses["i1"] = status("content_approval_workflow", "Completed", custom)
    code, html, _ = open_page(waiting, link(deadline=datetime.now(UTC) - timedelta(hours=1)))
    said = {
        "published": "The article is published.",
        "rejected": "That was the last round: the review has ended and nothing is published.",
        "expired": "The review expired: nobody decided before the escalation deadline",
    }[stage]
    assert code == 410 and said in html and "<form" not in html


def test_an_expired_link_with_its_deadline_moved_is_a_forgery_and_gets_the_generic_403(waiting: FakeClient) -> None:
    head, _, signature = link(deadline=datetime.now(UTC) - timedelta(minutes=1)).partition(".")
    later = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).replace(b'"20', b'"29', 1)
    forged = base64.urlsafe_b64encode(later).rstrip(b"=").decode() + "." + signature
    code, html, _ = open_page(waiting, forged)
    assert code == 403 and "not valid" in html and "&lt;script" not in html and waiting.events == []


def test_after_a_decision_the_page_shows_it_and_what_follows_not_a_live_round(waiting: FakeClient) -> None:
    code, html, _ = open_page(waiting, link(), b"decision=reject&feedback=More+numbers")
    assert code == 200 and "Decision applied" in html and "Round 1 of 3: rejected" in html
    assert "more may follow" not in html and "Deadline:" not in html and "<form" not in html
    custom = waiting.statuses["i1"]["customStatus"]
    waiting.statuses["i1"] = status("content_approval_workflow", "Running", {**custom, "stage": "revising", "round": 2})
    html = open_page(waiting, link())[1]
    assert "You rejected round 1. The draft is being revised; round 2 goes to the reviewer" in html
    assert "more may follow" not in html and "Deadline:" not in html


def test_a_link_of_an_earlier_run_under_the_same_id_neither_shows_nor_decides_the_later_run(app_env: Any) -> None:
    """An instance id can be reused (a restart, a new start after the first run ended): Alice's link of the first run
    must not open Bob's review, nor Alice's own link of an earlier round 1 the new run's round 1."""
    deadline = datetime.now(UTC) + timedelta(hours=3)
    later = review("awaiting_approval", reviewer="Bob <bob@contoso.com>", deadline=deadline.isoformat())
    client = FakeClient({"i1": status("content_approval_workflow", "Running", later)})
    alices = link(address="alice@contoso.com", deadline=deadline)
    bobs_old = link(address="bob@contoso.com", deadline=deadline + timedelta(hours=5))  # the first run waited longer

    for token in (alices, bobs_old):
        for form in (None, b"decision=approve"):
            code, html, _ = open_page(client, token, form)
            assert code == 403 and "not valid" in html and "Bob" not in html
    assert client.events == []
    code, _, _ = open_page(client, link(address="bob@contoso.com", deadline=deadline), b"decision=approve")
    assert code == 200 and len(client.events) == 1  # the link of this run decides it


def test_an_escalation_link_decides_nothing_in_a_run_that_has_not_escalated(app_env: Any) -> None:
    deadline = datetime.now(UTC) + timedelta(hours=3)
    awaiting = review("awaiting_approval", reviewer="bob@contoso.com", deadline=deadline.isoformat())
    client = FakeClient({"i1": status("content_approval_workflow", "Running", awaiting)})
    stale = link(role=Role.ESCALATION_CONTACT, address="boss@contoso.com", deadline=deadline)

    code, _, _ = open_page(client, stale, b"decision=approve")
    assert code == 403 and client.events == []


def test_a_stale_escalation_link_decides_nothing_while_the_next_run_escalates(app_env: Any) -> None:
    """The escalation contact is a setting, so two runs mail the same address: the deadline tells their links apart,
    and the status shows it from the moment the escalation mail goes out."""
    now = datetime.now(UTC)
    escalating = review(
        "escalating",
        missed_deadline=(now - timedelta(minutes=1)).isoformat(),
        deadline=(now + timedelta(hours=4)).isoformat(),
    )
    client = FakeClient({"i1": status("content_approval_workflow", "Running", escalating)})
    stale = link(role=Role.ESCALATION_CONTACT, address="boss@contoso.com", deadline=now + timedelta(hours=3))
    current = link(role=Role.ESCALATION_CONTACT, address="boss@contoso.com", deadline=now + timedelta(hours=4))

    assert open_page(client, stale, b"decision=approve")[0] == 403 and client.events == []
    assert open_page(client, current, b"decision=approve")[0] == 200 and len(client.events) == 1


@pytest.mark.parametrize("deadline", [WAITED_UNTIL, datetime.now(UTC) - timedelta(hours=1)], ids=["valid", "expired"])
def test_a_link_of_an_earlier_run_shows_nothing_of_a_run_still_drafting(app_env: Any, deadline: datetime) -> None:
    drafting = review("drafting", reviewer=None, topic="Run two SECRET topic")
    client = FakeClient({"i1": status("content_approval_workflow", "Running", drafting)})

    code, html, _ = open_page(client, link(address="alice@contoso.com", deadline=deadline))
    assert code == 403 and "SECRET" not in html
