"""The activities' requests and results as the orchestration history records them.

A flow that started before a deploy replays against the JSON it recorded, and an activity it scheduled then runs
after the deploy with the request the old code built: each typed request must write, and read back, exactly the
JSON objects below, which are what the flows sent when they built these dicts by hand.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from activities import PERMANENT_FAILURE
from activities.contracts import (
    EmailReading,
    EscalateForReview,
    HandleSpamEmail,
    MailSent,
    NotifyOutcome,
    NotifyReviewer,
    Publication,
    PublishContent,
    Quarantine,
    SaveDraft,
    ScreenEmail,
    SendEmail,
    StepCall,
    Thread,
    Verification,
    VerifyDecision,
)
from agents.models import Article, SpamVerdict
from agents.screening import Screening
from orchestrations.activity_calls import StepGaveUp, read_result, wire
from orchestrations.content_approval import content_approval_workflow
from orchestrations.inputs import EmailInput
from orchestrations.spam_detection import spam_detection_orchestration
from reviewing.protocol import Decider, DecisionEvent, DraftReference, Role, Stage, utc
from tests.app.fakes import InProcessAgents, flow_context, run_activity, run_flow, signed
from tests.app.test_orchestrations import HAM, SPAM

KEY = "140e954d-5a88-5e62-a4e4-9dfe05cbfd4b"
RAW = "From: Alice <alice@contoso.com>\nSubject: Budget\nMessage-ID: <abc@contoso.com>\n\nThursday?\n"
BODY = (
    "# Event sourcing\n\n"
    + "Every change to the state is an event, stored in order; the state is what replaying gives. " * 3
)
DRAFT = {
    "title": "Event sourcing",
    "word_count": 51,
    "reading_time_minutes": 1,
    "excerpt": "# Event sourcing Every change to the state is an event…",
    "characters": 289,
    "name": f"drafts/inst-1/draft-{KEY}.json",
    "location": f"/data/drafts/inst-1/draft-{KEY}.json",
    "url": f"http://localhost:7071/api/content/inst-1/drafts/{KEY}",
}
VERDICT = {
    "is_spam": True,
    "confidence": 0.9,
    "reason": "A prize and a shortened link.",
    "signals": ["prize", "bit.ly"],
}
EVENT = {
    "approved": True,
    "feedback": "ok",
    "round": 1,
    "decision_id": "d1",
    "decided_by": {"role": "escalation contact", "address": "boss@x.io"},
    "signature": "ICeCjdQazF1HvPx_CWcht8KPT5qODkYaTBrq9TFzcmo",
}
NOW = datetime(2026, 1, 1, 12, 0)  # the orchestrator's clock: naive UTC
REVIEW = {"topic": "event sourcing", "draft": DRAFT, "round": 1, "max_rounds": 3, "feedback": []}


def envelope(step: str) -> dict[str, str]:
    return {"instance_id": "inst-1", "step": step, "idempotency_key": KEY}


def draft() -> DraftReference:
    return DraftReference.model_validate(DRAFT)


# Each request as its flow builds it, and the JSON object the flow sent for it before the requests were typed.
REQUESTS: list[tuple[str, BaseModel, dict[str, Any]]] = [
    (
        "screen_email",
        ScreenEmail(email=EmailInput.model_validate(HAM), instance_id="inst-1"),
        {"email": {**HAM, "email_id": None, "raw": None}, "instance_id": "inst-1"},
    ),
    (
        "screen_email",
        ScreenEmail(email=EmailInput.model_validate({"raw": RAW}), instance_id="inst-1"),
        {"email": {"email_id": None, "sender": None, "subject": None, "raw": RAW}, "instance_id": "inst-1"},
    ),
    (
        "handle_spam_email",
        HandleSpamEmail(
            email=EmailInput.model_validate(SPAM), email_id="mail-1", verdict=SpamVerdict.model_validate(VERDICT)
        ),
        {"email": {**SPAM, "email_id": None, "raw": None}, "email_id": "mail-1", "verdict": VERDICT},
    ),
    (
        "send_email",
        SendEmail(
            to="Alice <alice@contoso.com>",
            subject="Re: Budget",
            body="Thursday works.",
            in_reply_to="abc@contoso.com",
            thread=Thread(in_reply_to="<abc@contoso.com>", references=["<abc@contoso.com>"]),
        ),
        {
            "to": "Alice <alice@contoso.com>",
            "subject": "Re: Budget",
            "body": "Thursday works.",
            "in_reply_to": "abc@contoso.com",
            "thread": {"in_reply_to": "<abc@contoso.com>", "references": ["<abc@contoso.com>"]},
        },
    ),
    (
        "send_email",
        SendEmail(to=None, subject="Re: Lunch", body="Noon.", in_reply_to="inst-1", thread=Thread()),
        {
            "to": None,
            "subject": "Re: Lunch",
            "body": "Noon.",
            "in_reply_to": "inst-1",
            "thread": {"in_reply_to": None, "references": []},
        },
    ),
    (
        "save_draft",
        SaveDraft(article=Article(title="Event sourcing", body=BODY)),
        {"article": {"title": "Event sourcing", "body": BODY, "word_count": 53, "reading_time_minutes": 1}},
    ),
    (
        "publish_content",
        PublishContent(
            topic="event sourcing",
            draft=draft(),
            reviewer=str(Decider(role=Role.ESCALATION_CONTACT, address="boss@x.io")),
            feedback="ok",
        ),
        {"topic": "event sourcing", "draft": DRAFT, "reviewer": "escalation contact boss@x.io", "feedback": "ok"},
    ),
    (
        "notify_reviewer",
        NotifyReviewer(
            topic="event sourcing",
            draft=draft(),
            round=1,
            max_rounds=3,
            feedback=[],
            to=None,
            deadline=utc(NOW) + timedelta(hours=1),
        ),
        {**REVIEW, "to": None, "deadline": "2026-01-01T13:00:00+00:00"},
    ),
    (
        "escalate_for_review",
        EscalateForReview(
            topic="event sourcing",
            draft=draft(),
            round=1,
            max_rounds=3,
            feedback=[],
            reviewer="reviewer@example.com",
            missed_deadline=utc(NOW) + timedelta(hours=1),
            deadline=utc(NOW + timedelta(hours=1, seconds=0.25)) + timedelta(hours=4),
        ),
        {
            **REVIEW,
            "reviewer": "reviewer@example.com",
            "missed_deadline": "2026-01-01T13:00:00+00:00",
            "deadline": "2026-01-01T17:00:00.250000+00:00",
        },
    ),
    (
        "notify_outcome",
        NotifyOutcome(
            to="reviewer@example.com",
            outcome=Stage.PUBLISHED,
            topic="event sourcing",
            draft=draft(),
            rounds=1,
            location="/data/published/inst-1/event-sourcing.md",
        ),
        {
            "to": "reviewer@example.com",
            "outcome": "published",
            "topic": "event sourcing",
            "draft": DRAFT,
            "rounds": 1,
            "location": "/data/published/inst-1/event-sourcing.md",
        },
    ),
    ("verify_decision", VerifyDecision(event=DecisionEvent.model_validate(EVENT)), {"event": EVENT}),
]


@pytest.mark.parametrize(("step", "request_", "sent_before"), REQUESTS)
def test_each_request_writes_and_reads_the_json_its_flow_sent_before(
    step: str, request_: BaseModel, sent_before: dict[str, Any]
) -> None:
    if step == "screen_email":  # the first check: no side effect, no step call around it
        assert wire(request_) == sent_before
    else:
        call = StepCall(instance_id="inst-1", step=step, idempotency_key=KEY)
        assert wire(call, request_) == {**envelope(step), **sent_before}
        assert StepCall.model_validate({**envelope(step), **sent_before}) == call
    assert type(request_).model_validate(sent_before) == request_


def test_the_flows_send_every_request_in_its_pinned_shape(app_env: Path, agents: InProcessAgents) -> None:
    escalated = signed({"approved": True, "feedback": "ok"}, 1, Decider(role=Role.ESCALATION_CONTACT, address="b@x.io"))
    contexts = [
        flow_context(SPAM),
        flow_context(HAM),
        flow_context({"raw": RAW}),
        flow_context({"topic": "event sourcing", "timeout_hours": 1}, decisions=[None, escalated]),
    ]
    for context, flow in zip(contexts, [spam_detection_orchestration] * 3 + [content_approval_workflow], strict=True):
        run_flow(flow, context, agents)

    shapes = {(step, *shape(request)) for context in contexts for step, request in context.activity_calls}
    pinned = {
        (step, *shape(sent if step == "screen_email" else {**envelope(step), **sent})) for step, _, sent in REQUESTS
    }
    assert shapes == pinned


def shape(value: Any) -> tuple[Any, ...]:
    """The field names of a JSON object, with those of the objects in it: what a model reads by."""
    if not isinstance(value, dict):
        return ()
    return tuple(sorted((name, shape(field)) for name, field in value.items()))


RESULT = {"idempotency_key": KEY, "repeat": False}
# Each result a flow reads, as the activity recorded it before the results were typed.
RESULTS: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (
        EmailReading,
        {
            "email_id": "abc@contoso.com",
            "text": "Email-ID: abc@contoso.com\nFrom: Alice <alice@contoso.com>\n\nThursday?",
            "screening": {
                "flags_spam": False,
                "reason": "Legitimate (the app's checks: trained classifier plus rules).",
                "classifier": {"verdict": "ham", "spam_score": 0.03, "threshold": 0.5, "summary": "ham"},
                "rule_signals": [],
                "links": [{"url": "https://contoso.com/budget", "flags": []}],
                "sender": {
                    "sender": "Alice <alice@contoso.com>",
                    "domain": "contoso.com",
                    "free_mail": False,
                    "flags": [],
                    "authentication_results": [],
                },
            },
            "reply": {
                "to": "Alice <alice@contoso.com>",
                "not_answered": None,
                "subject": "Budget",
                "in_reply_to": "<abc@contoso.com>",
                "references": ["<abc@contoso.com>"],
            },
        },
    ),
    (
        EmailReading,
        {
            "email_id": "inst-1",
            "text": "Email-ID: inst-1\n",
            "screening": {
                "flags_spam": True,
                "reason": "Spam: not read as mail, 10,000 parts; real mail never is.",
                "unreadable": "10,000 parts",
                "classifier": None,
                "rule_signals": ["10,000 parts"],
                "links": [],
                "sender": None,
            },
            "reply": {"to": None, "not_answered": None, "subject": None, "in_reply_to": None, "references": []},
        },
    ),
    (
        Quarantine,
        {"action": "quarantined", "email_id": "mail-1", "location": "/q/mail-1.eml", "reason": "Prize.", **RESULT},
    ),
    (
        MailSent,
        {
            "action": "reviewer_notified",
            "review_url": "http://localhost:7071/api/review/inst-1?t=x",
            "decision_url": "http://localhost:7071/api/content/inst-1/decision",
            "to": "reviewer@example.com",
            "subject": "Review requested (round 1 of 3): Event sourcing",
            "message_id": f"<{KEY}@example.com>",
            "transport": "outbox",
            "path": f"/data/outbox/inst-1/notify_reviewer-{KEY}.eml",
            **RESULT,
        },
    ),
    (DraftReference, DRAFT),
    (Publication, {"action": "published", "title": "Event sourcing", "location": "/p/event-sourcing.md", **RESULT}),
    (Verification, {"verified": True}),
]


@pytest.mark.parametrize(("model", "recorded"), RESULTS)
def test_each_result_a_flow_reads_keeps_every_field_it_was_recorded_with(
    model: type[BaseModel], recorded: dict[str, Any]
) -> None:
    assert read_result("step", recorded, model).model_dump(mode="json") == recorded


@pytest.mark.parametrize(
    ("step", "request_", "problem"),
    [
        ("screen_email", {"instance_id": "inst-1"}, "email: Field required"),
        ("send_email", {**envelope("send_email"), "to": None, "body": "Hi"}, "subject: Field required"),
        ("save_draft", {"instance_id": "inst-1", "step": "save_draft", "article": {"title": "T", "body": BODY}}, "idempotency_key: Field required"),
        ("notify_reviewer", {**envelope("notify_reviewer"), **REVIEW, "deadline": "tomorrow"}, "deadline: Input should be a valid datetime"),
        ("verify_decision", {**envelope("verify_decision"), "event": {**EVENT, "approved": "yes"}}, "event.approved: Input should be a valid boolean"),
        ("handle_spam_email", ["not", "an", "object"], "the request: Input should be a valid dictionary"),
    ],
)  # fmt: skip
def test_a_malformed_request_fails_permanently_naming_the_field_and_is_not_retried(
    app_env: Path, step: str, request_: Any, problem: str
) -> None:
    answer = run_activity(step, request_)

    assert answer == {PERMANENT_FAILURE: answer[PERMANENT_FAILURE]}  # an answer, not an exception the retry repeats
    assert answer[PERMANENT_FAILURE].startswith(f"{step} got a malformed request: ")
    assert problem in answer[PERMANENT_FAILURE]
    with pytest.raises(StepGaveUp, match=f"^{step} failed, and retrying cannot help: {step} got a malformed request"):
        read_result(step, answer, BaseModel)
    assert not list(app_env.rglob("*")), "nothing was stored or sent"


@pytest.mark.parametrize("recorded", [result["screening"] for model, result in RESULTS if model is EmailReading])
def test_the_screening_is_shown_to_the_agent_as_it_was_written_key_order_included(recorded: dict[str, Any]) -> None:
    shown = Screening.model_validate(recorded).model_dump(mode="json")

    assert json.dumps(shown, indent=2) == json.dumps(recorded, indent=2)
