"""The local host behaves as the Azure Functions host, its Python worker and the Durable extension do,
for apps written the way the official samples write them: one small test app per point."""

from __future__ import annotations

from collections.abc import Callable

from devhost.process import DevHost

API = "/runtime/webhooks/durabletask"
StartHost = Callable[..., DevHost]


def test_the_app_object_is_found_whatever_its_name(devhost_factory: StartHost) -> None:
    host = devhost_factory("named_app")
    code, body = host.request("POST", "/api/orchestrators/hello_orchestrator")
    assert code == 202, body
    assert host.wait_for(body["id"])["output"] == ["Hello Tokyo", "Hello Seattle", "Hello London"]


def test_each_function_with_an_unsupported_trigger_is_named_once_at_start(devhost_factory: StartHost) -> None:
    log = devhost_factory("named_app").log().splitlines()
    for name, trigger in (("nightly_cleanup", "timerTrigger"), ("work_queue", "queueTrigger"),
                          ("greet_tool", "mcpToolTrigger")):
        lines = [line for line in log if f"'{name}'" in line]
        assert len(lines) == 1 and trigger in lines[0] and "does not run on the local host" in lines[0], lines
    assert not [line for line in log if "'hello'" in line or "'http_start'" in line]


def test_a_mimetype_with_parameters_is_answered_as_given(devhost_factory: StartHost) -> None:
    host = devhost_factory("http_app")
    code, headers, body = host.exchange("GET", "/api/mimetype-with-charset")
    assert code == 200 and body.decode() == "héllo"
    assert headers["Content-Type"].startswith("text/plain; charset=utf-8")


def test_a_content_type_set_through_headers_is_kept(devhost_factory: StartHost) -> None:
    host = devhost_factory("http_app")
    code, headers, body = host.exchange("GET", "/api/content-type-header")
    assert (code, headers["Content-Type"], body) == (404, "application/problem+json", b'{"title": "not found"}')


def test_charset_cookies_request_headers_and_strings_reach_the_client(devhost_factory: StartHost) -> None:
    host = devhost_factory("http_app")
    code, headers, body = host.exchange("GET", "/api/csv")
    assert (code, headers["Content-Type"], body) == (200, "text/csv; charset=latin-1", b"a,b\n1,2\n")
    assert headers.get_all("Set-Cookie") == ["session=abc; HttpOnly; Path=/"]
    assert host.exchange("GET", "/api/echo-headers", headers={"X-Tag": "t1"})[2] == b"t1"
    code, headers, body = host.exchange("GET", "/api/plain")
    assert (code, body) == (200, b"just a string") and headers["Content-Type"].startswith("text/plain")
