"""``context.call_http`` against a real local HTTP server: the request as the extension sends it, the
asynchronous 202 pattern followed, and a clear failure when the server cannot be reached."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from devhost.process import DevHost, free_port
from tests.conftest import module_host

API = "/runtime/webhooks/durabletask"


class Service(BaseHTTPRequestHandler):
    """A service with a plain endpoint, an echo and a long-running job answered 202 twice."""

    polls = 0

    def do_GET(self) -> None:
        if self.path == "/greeting":
            self._answer(200, {"hello": self.headers["X-Caller"]}, {"X-Served-By": "test"})
        elif self.path == "/jobs/1":
            Service.polls += 1
            if Service.polls < 2:
                self._answer(202, {"state": "running"}, {"Location": self._url("/jobs/1"), "Retry-After": "0"})
            else:
                self._answer(200, {"state": "done", "polls": Service.polls})
        else:
            self._answer(404, {"error": "no such thing"})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        if self.path == "/jobs":
            self._answer(202, {"accepted": body}, {"Location": self._url("/jobs/1"), "Retry-After": "0"})
        else:
            self._answer(200, {"received": body, "type": self.headers["Content-Type"]})

    def _url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def _answer(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Service)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    yield from module_host(tmp_path_factory, "http_calls_app")


def fetch(host: DevHost, request: dict) -> dict:
    code, body = host.request("POST", f"{API}/orchestrators/fetch", request)
    assert code == 202, body
    status = host.wait_for(body["id"])
    assert status["runtimeStatus"] == "Completed", status
    return status["output"]


def test_a_request_is_answered_with_status_headers_and_content(host: DevHost, service: str) -> None:
    response = fetch(host, {"method": "GET", "uri": f"{service}/greeting"})
    assert response["statusCode"] == 200 and json.loads(response["content"]) == {"hello": "orchestrator"}
    assert response["headers"]["X-Served-By"] == "test"
    assert "Content-Type" not in response["headers"]  # a content header, which .NET keeps apart
    assert fetch(host, {"method": "GET", "uri": f"{service}/nothing"})["statusCode"] == 404


def test_content_goes_as_json_text(host: DevHost, service: str) -> None:
    response = fetch(host, {"method": "POST", "uri": f"{service}/echo", "content": {"n": 1}})
    assert json.loads(response["content"]) == {"received": '{"n": 1}', "type": "text/plain"}


def test_a_202_with_a_location_is_polled_until_the_job_is_done(host: DevHost, service: str) -> None:
    Service.polls = 0
    response = fetch(host, {"method": "POST", "uri": f"{service}/jobs", "content": "go"})
    assert response["statusCode"] == 200 and json.loads(response["content"]) == {"state": "done", "polls": 2}


def test_an_unreachable_server_fails_the_task_with_the_reason(host: DevHost) -> None:
    uri = f"http://127.0.0.1:{free_port()}/down"
    error = fetch(host, {"method": "GET", "uri": uri})["error"]
    assert error.startswith(f"GET {uri} failed:") and "refused" in error
    assert fetch(host, {"method": "GET", "uri": "ftp://example.com/x"})["error"].startswith(
        "call_http needs an http or https URL"
    )
