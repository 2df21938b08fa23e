"""Malformed requests to the host's own APIs get a 4xx with a JSON reason, never a 500 or an HTML page."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from devhost.process import DevHost
from tests.conftest import module_host

API = "/runtime/webhooks/durabletask"
RPC = "/durabletask"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    yield from module_host(tmp_path_factory, "protocol_app")


@pytest.fixture(scope="module")
def waiting(host: DevHost) -> str:
    code, body = host.request("POST", f"{API}/orchestrators/race", 600)
    assert code == 202
    host.wait_for(body["id"], ("Running",), predicate=lambda status: status["customStatus"] is not None)
    return body["id"]


BODIES = {
    "100,000-deep JSON": (b"[" * 100_000 + b"]" * 100_000, "application/json", {}, 400, "nested too deeply"),
    "non-UTF-8 bytes": (b'"\xff\xfe"', "application/json", {}, 400, "not utf-8 text"),
    "a bogus charset": (b'"x"', "application/json; charset=bogus", {}, 415, "charset 'bogus' is not supported"),
    "a 5,000-digit integer": (b"1" * 5000, "application/json", {}, 400, "not valid JSON"),
    "gzip declared, not gzip": (
        b'{"a": 1}',
        "application/json",
        {"Content-Encoding": "gzip"},
        415,
        "Content-Encoding 'gzip' is not supported",
    ),
}


@pytest.mark.parametrize("case", BODIES)
@pytest.mark.parametrize("route", ["start", "start (SDK)", "raise event", "signal entity"])
def test_a_body_that_cannot_be_read_is_a_4xx_naming_why(host: DevHost, waiting: str, case: str, route: str) -> None:
    path = {
        "start": f"{API}/orchestrators/sequence",
        "start (SDK)": f"{RPC}/orchestrators/sequence",
        "raise event": f"{API}/instances/{waiting}/raiseEvent/Go",
        "signal entity": f"{API}/entities/counter/k?op=add",
    }[route]
    data, content_type, headers, status, reason = BODIES[case]
    code, answer, body = host.exchange("POST", path, data, {"Content-Type": content_type, **headers})
    assert (code, answer["Content-Type"]) == (status, "application/json; charset=utf-8"), body[:300]
    assert reason in json.loads(body)["error"]
    assert host.status(waiting)["runtimeStatus"] == "Running"


@pytest.mark.parametrize(
    ("path", "status", "reason"),
    [
        (f"{API}/instances?top=99999999999999999999", 400, "top must be a whole number from 1 to 1000"),
        (f"{API}/instances?top=%C2%B2", 400, "top must be a whole number"),
        (f"{API}/instances?createdTimeFrom=9999999999-01-01", 400, "createdTimeFrom must be an ISO 8601 time"),
        (f"{API}/instances?runtimeStatus={'x' * 5000}", 400, "unknown runtimeStatus"),
        ("/dashboard/api/orchestrations?limit=%C2%B2", 400, "limit must be a whole number from 1 to 1000"),
        ("/dashboard/api/agents?limit=99999999999999999999", 400, "limit must be a whole number"),
        (f"/dashboard/static/{'a' * 5000}", 404, "no such file"),
        ("/dashboard/static/..%2F..%2Fhost.json", 404, "no such file"),
        ("/dashboard/static/%00", 404, "no such file"),
        ("/nothing/here", 404, "Not Found"),
        ("/dashboard/api/nothing", 404, "Not Found"),
    ],
)
def test_a_query_or_path_that_cannot_be_served_is_a_4xx_naming_why(
    host: DevHost, path: str, status: int, reason: str
) -> None:
    code, answer, body = host.exchange("GET", path)
    assert (code, answer["Content-Type"]) == (status, "application/json; charset=utf-8"), body[:300]
    assert reason in json.loads(body)["error"]


def test_a_method_a_route_does_not_take_is_a_json_405(host: DevHost, waiting: str) -> None:
    code, _answer, body = host.exchange("PUT", f"{API}/instances/{waiting}", b"{}")
    assert (code, json.loads(body)) == (405, {"error": "Method Not Allowed"})


def test_nothing_above_left_a_traceback_in_the_log(host: DevHost) -> None:
    assert "Traceback" not in host.log()
