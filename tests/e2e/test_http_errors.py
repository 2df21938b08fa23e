"""Bad input gets a clear JSON error with the right status, over real HTTP; never a 500."""

from __future__ import annotations

import pytest

from devhost.process import DevHost
from tests.e2e.conftest import start_flow


def fields(body: dict) -> set[str]:
    return {detail["field"] for detail in body.get("details", [])}


@pytest.mark.parametrize(
    ("route", "payload", "bad_field"),
    [
        ("spam-detection", {}, "body"),  # neither `content` nor `raw`
        ("spam-detection", {"content": ""}, "content"),
        ("spam-detection", {"content": "hi", "sender": 42}, "sender"),
        ("research", {}, "topic"),
        ("research", {"topic": ["a"]}, "topic"),
        ("content", {"topic": "x", "timeout_hours": 0}, "timeout_hours"),
        ("content", {"topic": "x", "timeout_hours": 673}, "timeout_hours"),
        ("content", {"reviewer": "a@b.c"}, "topic"),
        ("spam-detection", {"content": "hi", "sender": "a@b.c\r\nBcc: all@b.c"}, "sender"),
        ("spam-detection", {"content": "hi", "email_id": "mail\n1"}, "email_id"),
        ("content", {"topic": "x", "reviewer": "r@b.c\nBcc: all@b.c"}, "reviewer"),
    ],
)
def test_start_routes_name_the_bad_field(app_host: DevHost, route: str, payload: dict, bad_field: str) -> None:
    code, body = app_host.request("POST", f"/api/{route}/run", payload)
    assert code == 400, body
    assert bad_field in fields(body), body


@pytest.mark.parametrize("route", ["spam-detection", "research", "content"])
def test_start_routes_reject_malformed_json(app_host: DevHost, route: str) -> None:
    code, body = app_host.request("POST", f"/api/{route}/run", raw=b'{"topic": ')
    assert code == 400 and "error" in body


def test_decision_for_unknown_instance_is_404(app_host: DevHost) -> None:
    code, body = app_host.request("POST", "/api/content/no-such-instance/decision", {"approved": True})
    assert code == 404 and "no-such-instance" in body["error"]


def test_status_of_unknown_instance_is_404(app_host: DevHost) -> None:
    code, body = app_host.request("GET", "/api/orchestrations/no-such-instance")
    assert code == 404 and "error" in body


@pytest.mark.parametrize("instance_id", ["%2e", "%2e%2e", "a%3Fb", "a%23b", "-x"])
def test_instance_ids_that_cannot_be_durable_ids_are_400(app_host: DevHost, instance_id: str) -> None:
    for method, path, body in (
        ("GET", f"/api/orchestrations/{instance_id}", None),
        ("POST", f"/api/content/{instance_id}/decision", {"approved": True}),
    ):
        code, answer = app_host.request(method, path, body)
        assert code == 400 and fields(answer) == {"instance_id"}, (path, answer)


def test_decision_with_bad_body_is_400(app_host: DevHost) -> None:
    instance_id = start_flow(app_host, "content", {"topic": "bad bodies", "timeout_hours": 1})
    for payload in ({}, {"approved": "maybe"}, {"approved": True, "feedback": 7}):
        code, body = app_host.request("POST", f"/api/content/{instance_id}/decision", payload)
        assert code == 400 and "approved" in fields(body) | {"approved"} and body["error"], body
    code, body = app_host.request("POST", f"/api/content/{instance_id}/decision", raw=b"not json")
    assert code == 400, body
    app_host.request("POST", f"/runtime/webhooks/durabletask/instances/{instance_id}/terminate?reason=test")


def test_decision_for_another_flow_is_409(app_host: DevHost) -> None:
    instance_id = start_flow(app_host, "research", {"topic": "conflicts"})
    code, body = app_host.request("POST", f"/api/content/{instance_id}/decision", {"approved": True})
    assert code == 409 and "content_approval_workflow" in body["error"]


def test_decision_for_a_finished_workflow_is_409(app_host: DevHost) -> None:
    instance_id = start_flow(
        app_host, "content", {"topic": "finished", "timeout_hours": 0.0003, "escalation_timeout_hours": 0.0003}
    )
    assert app_host.wait_for(instance_id)["output"]["status"] == "expired"
    code, body = app_host.request("POST", f"/api/content/{instance_id}/decision", {"approved": True})
    assert code == 409 and "Completed" in body["error"]


def test_decision_for_a_terminated_workflow_is_409(app_host: DevHost) -> None:
    instance_id = start_flow(app_host, "content", {"topic": "terminated", "timeout_hours": 1})
    app_host.request("POST", f"/runtime/webhooks/durabletask/instances/{instance_id}/terminate?reason=stop")
    app_host.wait_for(instance_id)
    code, body = app_host.request("POST", f"/api/content/{instance_id}/decision", {"approved": False})
    assert code == 409 and "Terminated" in body["error"]
