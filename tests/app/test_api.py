"""HTTP handlers: validation (400 naming fields), 202 bodies, and the decision route's 404/409 cases."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import azure.functions as func
import pytest
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus

from api import decisions
from api.decisions import deliver_decision
from api.handlers import orchestration_status, start_flow, stored_draft
from orchestrations.inputs import ApprovalDecision, ContentInput, EmailInput, ResearchInput
from reviewing.protocol import DecisionEvent
from reviewing.signing import verify_event
from tests.app.fakes import run_activity

BASE = "http://localhost:7071/api"


class FakeClient:
    """Durable client double: remembers starts and events, answers get_status from a table.

    A raised ApprovalDecision is handled as the content flow would (`flow`): "applies" lists it among the
    custom status's decisions, "ends" completes the instance without it (its deadline won), "idles" does nothing.
    """

    def __init__(
        self, statuses: dict[str, dict[str, Any]] | None = None, raise_error: str | None = None, flow: str = "applies"
    ) -> None:
        self.statuses = statuses or {}
        self.raise_error = raise_error
        self.flow = flow
        self.started: list[tuple[str, Any]] = []
        self.events: list[tuple[str, str, Any]] = []

    async def start_new(self, name: str, client_input: Any = None) -> str:
        self.started.append((name, client_input))
        return "new-id"

    def create_http_management_payload(self, instance_id: str) -> dict[str, str]:
        hook = f"http://localhost:7071/runtime/webhooks/durabletask/instances/{instance_id}"
        return {"id": instance_id, "statusQueryGetUri": hook, "sendEventPostUri": f"{hook}/raiseEvent/{{eventName}}"}

    async def get_status(self, instance_id: str, show_input: bool = False) -> DurableOrchestrationStatus:
        return DurableOrchestrationStatus.from_json(self.statuses.get(instance_id, ""))

    async def raise_event(self, instance_id: str, event_name: str, event_data: Any = None) -> None:
        if self.raise_error:
            raise Exception(self.raise_error)
        self.events.append((instance_id, event_name, event_data))
        current = self.statuses[instance_id]
        review = dict(current["customStatus"])
        if self.flow == "applies":
            applied = {
                "round": event_data["round"],
                "approved": event_data["approved"],
                "decided_by": event_data["decided_by"],
                "decision_id": event_data["decision_id"],
            }
            self.statuses[instance_id] = {**current, "customStatus": {**review, "decisions": [applied]}}
        elif self.flow == "superseded":
            other = {
                "round": review["round"],
                "approved": True,
                "decided_by": {"role": "reviewer"},
                "decision_id": "other",
            }
            self.statuses[instance_id] = {**current, "customStatus": {**review, "decisions": [other]}}
        elif self.flow == "ends":
            self.statuses[instance_id] = {
                **current,
                "runtimeStatus": "Completed",
                "customStatus": {**review, "stage": "expired"},
            }


@pytest.fixture(autouse=True)
def _local_settings(app_env: Any) -> None:
    """Every test here on a clean environment: the decision route signs events with the local data folder's key."""


def request(
    route: str, body: Any, method: str = "POST", headers: dict[str, str] | None = None, **route_params: str
) -> func.HttpRequest:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return func.HttpRequest(method, f"{BASE}/{route}", body=raw, route_params=route_params, headers=headers or {})


def call(coroutine: Any) -> tuple[int, dict[str, Any]]:
    response = asyncio.run(coroutine)
    assert response.mimetype == "application/json"
    return response.status_code, json.loads(response.get_body())


def review(stage: str, round_number: int = 1, **fields: Any) -> dict[str, Any]:
    """A content flow's custom status (reviewing.protocol.ReviewStatus) at `stage`."""
    return {"stage": stage, "topic": "t", "round": round_number, "max_rounds": 3, "decisions": [], **fields}


AWAITING = review("awaiting_approval", deadline="2099-01-01T00:00:00Z")


def status(name: str, runtime_status: str, custom_status: Any = AWAITING) -> dict[str, Any]:
    return {
        "name": name,
        "instanceId": "i1",
        "runtimeStatus": runtime_status,
        "createdTime": "2026-01-01T00:00:00Z",
        "lastUpdatedTime": "2026-01-01T00:01:00Z",
        "customStatus": custom_status,
        "input": "t",
        "output": None,
    }


def test_start_answers_202_with_id_management_urls_and_our_status_url() -> None:
    client = FakeClient()
    code, body = call(
        start_flow(
            request("spam-detection/run", {"content": "hi"}),
            client,
            "spam_detection_orchestration",
            EmailInput,
            "spam-detection/run",
        )
    )

    assert code == 202
    assert body["id"] == "new-id" and body["statusUrl"] == f"{BASE}/orchestrations/new-id"
    assert body["statusQueryGetUri"].endswith("/instances/new-id")
    assert client.started == [
        (
            "spam_detection_orchestration",
            {"content": "hi", "email_id": None, "sender": None, "subject": None, "raw": None},
        )
    ]


def test_content_start_accepts_a_bare_string_and_links_the_decision_route() -> None:
    client = FakeClient()
    code, body = call(
        start_flow(
            request("content/run", "event sourcing"), client, "content_approval_workflow", ContentInput, "content/run"
        )
    )

    assert code == 202 and body["decisionUrl"] == f"{BASE}/content/new-id/decision"
    assert client.started[0][1] == {
        "topic": "event sourcing",
        "reviewer": None,
        "timeout_hours": 24.0,
        "escalation_timeout_hours": 24.0,
        "max_review_rounds": 3,
    }


def test_the_flow_input_carries_nothing_of_the_request_url_or_its_host_header() -> None:
    client = FakeClient()
    req = func.HttpRequest(
        "POST",
        "http://attacker.example/api/content/run",
        body=b'"edge"',
        route_params={},
        headers={"Host": "attacker.example", "X-Forwarded-Host": "attacker.example"},
    )
    call(start_flow(req, client, "content_approval_workflow", ContentInput, "content/run"))

    assert "attacker" not in json.dumps(client.started)


@pytest.mark.parametrize(
    "body",
    [
        {"content": "Hi", "sender": "a@example.com, v1@victim.example, v2@victim.example"},
        {"content": "Hi", "sender": "Friends: v1@victim.example, v2@victim.example;"},
        {"content": "Hi", "sender": "a@example.com v1@victim.example"},
        {"content": "Hi", "sender": "<a@example.com> <v1@victim.example>"},
        {"content": "Hi", "sender": "undisclosed-recipients:;"},
    ],
)
def test_a_sender_that_adds_recipients_is_400_naming_it_and_starts_nothing(body: dict[str, str]) -> None:
    client = FakeClient()
    code, answer = call(
        start_flow(request("spam-detection/run", body), client, "flow", EmailInput, "spam-detection/run")
    )

    assert code == 400 and [d["field"] for d in answer["details"]] == ["sender"]
    assert client.started == []


def test_a_reviewer_list_is_400_naming_it() -> None:
    client = FakeClient()
    body = {"topic": "x", "reviewer": "rita@contoso.com, v1@victim.example"}
    code, answer = call(start_flow(request("content/run", body), client, "flow", ContentInput, "content/run"))

    assert (
        code == 400 and answer["details"][0]["field"] == "reviewer" and "exactly one" in answer["details"][0]["message"]
    )
    assert client.started == []


def test_empty_optional_fields_are_absent() -> None:
    client = FakeClient()
    body = {"content": "Hello", "sender": "", "subject": "  ", "email_id": None}
    code, _ = call(start_flow(request("spam-detection/run", body), client, "flow", EmailInput, "spam-detection/run"))
    call(
        start_flow(
            request("content/run", {"topic": "x", "reviewer": "", "timeout_hours": None}),
            client,
            "flow",
            ContentInput,
            "content/run",
        )
    )

    assert code == 202
    assert [flow_input for _, flow_input in client.started] == [
        {"content": "Hello", "email_id": None, "sender": None, "subject": None, "raw": None},
        {
            "topic": "x",
            "reviewer": None,
            "timeout_hours": 24.0,
            "escalation_timeout_hours": 24.0,
            "max_review_rounds": 3,
        },
    ]


def test_an_address_is_passed_on_as_parsed() -> None:
    client = FakeClient()
    call(
        start_flow(
            request("content/run", {"topic": "x", "reviewer": "  Rita   <rita@contoso.com> "}),
            client,
            "flow",
            ContentInput,
            "content/run",
        )
    )

    assert client.started[0][1]["reviewer"] == "Rita <rita@contoso.com>"


@pytest.mark.parametrize(
    ("route", "model", "body", "fields"),
    [
        ("spam-detection/run", EmailInput, {}, ["body"]),  # neither `content` nor `raw`
        ("spam-detection/run", EmailInput, {"content": "   "}, ["content"]),
        ("spam-detection/run", EmailInput, {"content": "\u200b\u2060 \x1c"}, ["content"]),
        ("spam-detection/run", EmailInput, {"content": None}, ["body"]),
        ("spam-detection/run", EmailInput, {"content": "x", "sender": "nobody"}, ["sender"]),
        ("spam-detection/run", EmailInput, "just text", ["body"]),
        ("research/run", ResearchInput, {"topic": 42}, ["topic"]),
        ("research/run", ResearchInput, {"subject": "x"}, ["topic", "subject"]),
        ("content/run", ContentInput, {"topic": "x", "timeout_hours": 0}, ["timeout_hours"]),
        ("content/run", ContentInput, {"topic": "x", "timeout_hours": 673}, ["timeout_hours"]),
        ("content/run", ContentInput, {"topic": "x", "timeout_hours": "5"}, ["timeout_hours"]),
        ("content/run", ContentInput, {"topic": "x", "reviewer": "r"}, ["reviewer"]),
        ("content/run", ContentInput, None, ["body"]),
        ("content/run", ContentInput, {"topic": "x", "api_root": "http://evil.example/api"}, ["api_root"]),
        ("content/run", ContentInput, " \t\n", ["topic"]),
        ("content/run", ContentInput, {"topic": "x", "reviewer": "r@x.io\r\nBcc: all@x.io"}, ["reviewer"]),
    ],
)
def test_bad_bodies_are_400_naming_the_fields(route: str, model: type, body: Any, fields: list[str]) -> None:
    client = FakeClient()
    code, answer = call(start_flow(request(route, body), client, "flow", model, route))

    assert code == 400
    assert [d["field"] for d in answer["details"]] == fields
    assert all(d["message"] for d in answer["details"]) and answer["error"]
    assert client.started == []


@pytest.mark.parametrize(("field", "value"), [("sender", "a@b.c\nBcc: all@b.c"), ("email_id", "mail-1\r\nX-Evil: 1")])
def test_line_breaks_in_identifiers_are_named_in_the_error(field: str, value: str) -> None:
    body = {"content": "x", field: value}
    code, answer = call(
        start_flow(request("spam-detection/run", body), FakeClient(), "flow", EmailInput, "spam-detection/run")
    )

    assert code == 400 and answer["details"][0]["field"] == field
    assert "control characters" in answer["details"][0]["message"]


@pytest.mark.parametrize("raw", [b'{"topic": "x", "timeout_hours": NaN}', b'{"topic": "x", "timeout_hours": Infinity}'])
def test_timeout_must_be_a_finite_number(raw: bytes) -> None:
    code, answer = call(start_flow(request("content/run", raw), FakeClient(), "flow", ContentInput, "content/run"))

    assert code == 400 and answer["details"][0]["field"] == "timeout_hours"
    assert "finite number" in answer["details"][0]["message"]


@pytest.mark.parametrize("raw", [b"", b"{not json", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000])
def test_unparseable_bodies_are_400(raw: bytes) -> None:
    code, answer = call(start_flow(request("research/run", raw), FakeClient(), "flow", ResearchInput, "research/run"))
    assert code == 400 and answer["details"][0]["field"] == "body"


def test_a_decision_is_raised_and_the_answer_says_it_was_applied_and_to_which_round() -> None:
    client = FakeClient({"i1": status("content_approval_workflow", "Running")})
    code, body = call(
        deliver_decision(
            request("content/i1/decision", {"approved": False, "feedback": "More data"}, instance_id="i1"), client
        )
    )

    [(instance_id, event, data)] = client.events
    assert (instance_id, event, data["approved"], data["feedback"], data["round"]) == (
        "i1",
        "ApprovalDecision",
        False,
        "More data",
        1,
    )
    assert code == 202 and body["applied"] is True and body["round"] == 1 and body["decision_id"] == data["decision_id"]
    assert body["decided_by"] == data["decided_by"] == {"role": "automation", "address": None}
    assert verify_event("i1", DecisionEvent.model_validate(data)), "signed, so that the flow believes it"


@pytest.mark.parametrize(
    ("wanted", "custom_status", "outcome"),
    [
        (2, AWAITING, "not_yet_open"),
        (1, review("awaiting_approval", 2), "already_decided"),
        (
            1,
            {**AWAITING, "decisions": [{"round": 1, "approved": False, "decided_by": {"role": "reviewer"}}]},
            "already_decided",
        ),
    ],
)
def test_a_decision_for_another_round_than_the_one_under_review_is_409(
    wanted: int, custom_status: dict[str, Any], outcome: str
) -> None:
    client = FakeClient({"i1": status("content_approval_workflow", "Running", custom_status)})
    ended = {**custom_status, "stage": "published"} if custom_status["decisions"] else None
    body = {"approved": False, "feedback": "x", "round": wanted}
    code, answer = call(deliver_decision(request("content/i1/decision", body, instance_id="i1"), client))

    assert (code, answer["outcome"]) == (409, outcome) and client.events == []
    if ended:  # a round decided before the review ended is "already decided", not "too late"
        client.statuses["i1"] = status("content_approval_workflow", "Completed", ended)
        code, answer = call(deliver_decision(request("content/i1/decision", body, instance_id="i1"), client))
        assert (code, answer["outcome"]) == (409, "already_decided")


def test_a_request_retried_with_its_idempotency_key_answers_as_the_first_and_decides_nothing_more() -> None:
    client = FakeClient({"i1": status("content_approval_workflow", "Running")})
    first = request(
        "content/i1/decision", {"approved": False, "round": 1}, headers={"Idempotency-Key": "k-1"}, instance_id="i1"
    )
    retry = request(
        "content/i1/decision", {"approved": False, "round": 1}, headers={"Idempotency-Key": "k-1"}, instance_id="i1"
    )
    other = request(
        "content/i1/decision", {"approved": True, "round": 1}, headers={"Idempotency-Key": "k-2"}, instance_id="i1"
    )

    answers = [call(deliver_decision(r, client)) for r in (first, retry, other)]
    assert [code for code, _ in answers] == [202, 202, 409]
    assert answers[0][1] == answers[1][1] and answers[2][1]["outcome"] == "already_decided"
    assert len(client.events) == 1


@pytest.mark.parametrize(
    "second", [{"approved": True}, {"approved": False, "feedback": "other"}], ids=["other decision", "other feedback"]
)
def test_an_idempotency_key_reused_for_another_decision_is_422_and_decides_nothing(second: dict[str, Any]) -> None:
    client = FakeClient({"i1": status("content_approval_workflow", "Running")})
    first = {"approved": False, "feedback": "A"}
    reject = request("content/i1/decision", first, headers={"Idempotency-Key": "k-1"}, instance_id="i1")
    other = request("content/i1/decision", second, headers={"Idempotency-Key": "k-1"}, instance_id="i1")

    code, applied = call(deliver_decision(reject, client))
    assert code == 202 and applied["feedback"] == "A"
    code, answer = call(deliver_decision(other, client))
    assert code == 422 and "used for another decision (approved=false, round 1" in answer["error"]
    assert call(deliver_decision(reject, client)) == (202, applied)  # the same request again: answered as the first
    assert len(client.events) == 1


@pytest.mark.parametrize("key", ["", "x" * 201, "caf\u00e9", "a\tb"])
def test_an_idempotency_key_that_is_not_one_is_400(key: str) -> None:
    client = FakeClient({"i1": status("content_approval_workflow", "Running")})
    req = request("content/i1/decision", {"approved": True}, headers={"Idempotency-Key": key}, instance_id="i1")
    code, answer = call(deliver_decision(req, client))
    assert code == 400 and answer["details"][0]["field"] == "Idempotency-Key" and client.events == []


def test_a_second_decision_on_a_round_another_one_decided_is_409_already_decided() -> None:
    client = FakeClient({"i1": status("content_approval_workflow", "Running")}, flow="superseded")
    code, body = call(deliver_decision(request("content/i1/decision", {"approved": False}, instance_id="i1"), client))

    assert code == 409 and body["error"].endswith("round 1 was already decided by another decision")


def test_a_decision_the_flow_does_not_apply_in_time_is_202_but_says_not_applied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(decisions, "CONFIRMATION_SECONDS", 0.3)
    client = FakeClient({"i1": status("content_approval_workflow", "Running")}, flow="idles")
    code, body = call(deliver_decision(request("content/i1/decision", {"approved": True}, instance_id="i1"), client))

    assert code == 202 and body["applied"] is False and "has not applied it" in body["message"]


def test_a_decision_overtaken_by_the_deadline_is_409_too_late() -> None:
    client = FakeClient(
        {"i1": status("content_approval_workflow", "Running", {**AWAITING, "stage": "escalated"})}, flow="ends"
    )
    code, body = call(deliver_decision(request("content/i1/decision", {"approved": True}, instance_id="i1"), client))

    assert code == 409 and body["error"].endswith("ended (expired) before the decision arrived: too late")
    assert body["round"] == 1


@pytest.mark.parametrize(
    ("statuses", "body", "expected"),
    [
        ({}, {"approved": True}, 404),
        ({"i1": status("research_orchestration", "Running")}, {"approved": True}, 409),
        ({"i1": status("content_approval_workflow", "Completed")}, {"approved": True}, 409),
        ({"i1": status("content_approval_workflow", "Failed")}, {"approved": True}, 409),
        ({"i1": status("content_approval_workflow", "Terminated")}, {"approved": True}, 409),
        ({"i1": status("content_approval_workflow", "Running")}, {"approved": "yes"}, 400),
        ({"i1": status("content_approval_workflow", "Running")}, {"feedback": "x"}, 400),
    ],
)
def test_decision_errors(statuses: dict[str, Any], body: Any, expected: int) -> None:
    client = FakeClient(statuses)
    code, answer = call(deliver_decision(request("content/i1/decision", body, instance_id="i1"), client))

    assert code == expected and answer["error"]
    assert client.events == []


@pytest.mark.parametrize(
    ("runtime_status", "custom_status", "reason"),
    [
        ("Pending", None, "still drafting"),
        ("Running", review("drafting"), "still drafting"),
        ("Running", review("notifying_reviewer", 2), "the reviewer is being notified of the draft"),
        ("Running", review("revising", 2), "the draft is being revised after the last decision"),
        ("Running", review("publishing"), "already decided (publishing)"),
        (
            "Running",
            review("escalated", deadline="2020-01-01T00:00:00Z"),
            "too late: the escalation deadline 2020-01-01 00:00:00Z has passed",
        ),
        ("Completed", review("expired", 3), "it is Completed: the review has ended (expired)"),
        ("Suspended", review("awaiting_approval"), "the flow is suspended; decide once it is resumed"),
    ],
)
def test_decision_is_409_unless_it_would_count(runtime_status: str, custom_status: Any, reason: str) -> None:
    client = FakeClient({"i1": status("content_approval_workflow", runtime_status, custom_status)})
    code, answer = call(deliver_decision(request("content/i1/decision", {"approved": True}, instance_id="i1"), client))

    assert code == 409 and answer["error"].endswith(reason)
    assert answer.get("round") == (custom_status or {}).get("round")
    assert client.events == []


def test_decision_racing_completion_is_409() -> None:
    client = FakeClient(
        {"i1": status("content_approval_workflow", "Running")},
        raise_error="Instance with ID i1 is gone: either completed or failed",
    )
    code, _ = call(deliver_decision(request("content/i1/decision", {"approved": True}, instance_id="i1"), client))
    assert code == 409


def test_status_route_reports_the_instance_or_404() -> None:
    client = FakeClient({"i1": status("content_approval_workflow", "Running")})
    code, body = call(orchestration_status(request("orchestrations/i1", None, "GET", instance_id="i1"), client))

    assert code == 200
    assert body == {
        "id": "i1",
        "name": "content_approval_workflow",
        "runtimeStatus": "Running",
        "customStatus": AWAITING,
        "output": None,
        "input": "t",
        "createdTime": "2026-01-01T00:00:00+00:00",
        "lastUpdatedTime": "2026-01-01T00:01:00+00:00",
    }
    code, _ = call(orchestration_status(request("orchestrations/nope", None, "GET", instance_id="nope"), client))
    assert code == 404


@pytest.mark.parametrize("instance_id", [".", "..", "a?b", "a#b", "a/b", "", "-a", "x" * 257, "caf\u00e9"])
def test_instance_ids_that_cannot_be_durable_ids_are_400(instance_id: str) -> None:
    client = FakeClient({instance_id: status("content_approval_workflow", "Running")})
    for coroutine in (
        orchestration_status(request("orchestrations/x", None, "GET", instance_id=instance_id), client),
        deliver_decision(request("content/x/decision", {"approved": True}, instance_id=instance_id), client),
    ):
        code, answer = call(coroutine)
        assert code == 400 and answer["details"][0]["field"] == "instance_id"
    assert client.events == []


def test_instance_ids_of_every_durable_shape_are_looked_up() -> None:
    instance_id = "2f1c9a70-0f3b-4c8e-9d52-1a2b3c4d5e6f:order_1.v2@east"
    client = FakeClient({instance_id: status("content_approval_workflow", "Running")})
    code, _ = call(orchestration_status(request("orchestrations/x", None, "GET", instance_id=instance_id), client))
    assert code == 200


def test_every_http_route_but_health_and_the_review_page_needs_a_function_key(app_functions: list[Any]) -> None:
    """Read from the app's function index, as the Functions host reads it: the review page is anonymous (its signed
    link is the credential), the JSON decision route for automation is not."""
    levels = {
        f.get_trigger().route: f.get_trigger().auth_level
        for f in app_functions
        if f.get_trigger().type == "httpTrigger"
    }

    assert levels.pop("health") == func.AuthLevel.ANONYMOUS
    assert levels.pop("review/{instance_id}") == func.AuthLevel.ANONYMOUS
    assert set(levels.values()) == {func.AuthLevel.FUNCTION}
    assert {
        "spam-detection/run",
        "research/run",
        "content/run",
        "content/{instance_id}/decision",
        "content/{instance_id}/drafts/{key}",
        "orchestrations/{instance_id}",
    } <= set(levels)


def test_a_stored_draft_is_served_whole_by_its_url(app_env: Any) -> None:
    article = {"title": "Long", "body": "Words, " * 8_000, "word_count": 8_000, "reading_time_minutes": 40}
    key = "6c92a884-be63-5825-ba5e-659af8b423e0"
    saved = run_activity(
        "save_draft", {"instance_id": "i1", "step": "save_draft", "idempotency_key": key, "article": article}
    )
    assert saved["url"] == f"{BASE}/content/i1/drafts/{key}"

    response = stored_draft(
        func.HttpRequest("GET", saved["url"], body=b"", route_params={"instance_id": "i1", "key": key})
    )
    assert (response.status_code, json.loads(response.get_body())) == (200, article)


@pytest.mark.parametrize(
    ("instance_id", "key", "expected"),
    [
        ("i1", "6c92a884-be63-5825-ba5e-659af8b423e0", 404),
        ("i1", "../../ledger/x", 400),
        ("i1", "6C92A884-BE63-5825-BA5E-659AF8B423E0", 400),
        ("..", "6c92a884-be63-5825-ba5e-659af8b423e0", 400),
    ],
)
def test_a_draft_url_that_names_no_stored_draft_is_404_or_400(
    app_env: Any, instance_id: str, key: str, expected: int
) -> None:
    response = stored_draft(
        func.HttpRequest(
            "GET", f"{BASE}/content/x/drafts/y", body=b"", route_params={"instance_id": instance_id, "key": key}
        )
    )
    assert response.status_code == expected and json.loads(response.get_body())["error"]


AUTOMATION_DECIDER = {"role": "automation", "address": None}


def test_a_retry_of_a_decision_taken_before_ids_named_the_request_is_answered_as_the_first() -> None:
    """Decisions recorded before an upgrade carry `key-` and 32 characters naming the key alone."""
    legacy = "key-" + hashlib.sha256(b"i1\nk-1").hexdigest()[:32]
    decided = review(
        "revising", decisions=[{"round": 1, "approved": False, "decided_by": AUTOMATION_DECIDER, "decision_id": legacy}]
    )
    client = FakeClient({"i1": status("content_approval_workflow", "Running", decided)})
    retry = request("content/i1/decision", {"approved": False}, headers={"Idempotency-Key": "k-1"}, instance_id="i1")
    other = request("content/i1/decision", {"approved": True}, headers={"Idempotency-Key": "k-1"}, instance_id="i1")

    code, answer = call(deliver_decision(retry, client))
    assert code == 202 and answer["decision_id"] == legacy and answer["applied"] is True
    assert call(deliver_decision(other, client))[0] == 422 and client.events == []


def test_two_requests_with_one_key_that_cross_are_not_both_told_they_were_applied() -> None:
    """The flow applies the other request, sent with the same key a moment earlier, before this one's event."""

    class Crossed(FakeClient):
        async def raise_event(self, instance_id: str, event_name: str, event_data: Any = None) -> None:
            self.events.append((instance_id, event_name, event_data))
            first = decisions.idempotent_decision_id("i1", "k-1", ApprovalDecision(approved=True))
            winner = {"round": 1, "approved": True, "decided_by": AUTOMATION_DECIDER, "decision_id": first}
            current = self.statuses[instance_id]
            self.statuses[instance_id] = {**current, "customStatus": {**current["customStatus"], "decisions": [winner]}}

    client = Crossed({"i1": status("content_approval_workflow", "Running")})
    reject = request("content/i1/decision", {"approved": False}, headers={"Idempotency-Key": "k-1"}, instance_id="i1")

    code, answer = call(deliver_decision(reject, client))
    assert code == 422 and "used for another decision (approved=true, round 1" in answer["error"]
