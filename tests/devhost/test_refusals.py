"""Requests the host refuses at the protocol level, before any handler runs, sent over raw sockets.

Each is answered with the JSON error every other refusal has, the status that says what was wrong, and
``Connection: close``; the connection closes, and the host goes on serving everyone else.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable, Iterator

import pytest

from devhost.process import DevHost
from devhost.web.refusals import MAX_FIELD_BYTES, MAX_FIELDS, MAX_TARGET_BYTES
from tests.conftest import module_host

GIVE_UP_SECONDS = 30.0  # how long a test waits for the host to answer or close before it fails
MAX_BODY = 100 * 1024 * 1024


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    yield from module_host(tmp_path_factory, "protocol_app")


class Answer:
    """One HTTP answer read off a socket: status, header fields (lower-case names), body."""

    def __init__(self, sock: socket.socket, data: bytes = b"") -> None:
        while b"\r\n\r\n" not in data:
            data += _receive(sock)
        head, _, self.body = data.partition(b"\r\n\r\n")
        status_line, *fields = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split(" ", 2)[1])
        self.headers = {name.strip().lower(): value.strip() for name, _, value in (f.partition(":") for f in fields)}
        while len(self.body) < int(self.headers.get("content-length", "0")):
            self.body += _receive(sock)

    def error(self) -> str:
        assert self.headers["content-type"] == "application/json; charset=utf-8", (self.status, self.body[:300])
        reason = json.loads(self.body)
        assert list(reason) == ["error"] and isinstance(reason["error"], str)
        return str(reason["error"])


def _receive(sock: socket.socket) -> bytes:
    chunk = sock.recv(65536)
    assert chunk, "the host closed the connection without an answer"
    return chunk


def closed(sock: socket.socket) -> bool:
    """Whether the host closed the connection (waiting for it to do so)."""
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True


def refused(host: DevHost, raw: bytes) -> Answer:
    """Send ``raw`` on a new connection; the host's answer, after checking that it then closed the connection."""
    with socket.create_connection(("127.0.0.1", host.port), timeout=GIVE_UP_SECONDS) as sock:
        sock.sendall(raw)
        answer = Answer(sock)
        assert answer.headers.get("connection") == "close"
        assert closed(sock)
    return answer


def request(host: DevHost, head: str, *fields: str, body: bytes = b"") -> bytes:
    """A request: ``head`` (method and target), the Host field, then ``fields``."""
    lines = [f"{head} HTTP/1.1", f"Host: 127.0.0.1:{host.port}", *fields]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def big(name: str, size: int) -> str:
    """A header field whose value is ``size`` bytes (aiohttp limits a name and a value each, after the first field)."""
    return f"{name}: {'a' * size}"


MALFORMED = {
    "a header field over the limit": (
        lambda h: request(h, "GET /api/items/1", big("X-Big", MAX_FIELD_BYTES + 1)),
        431,
        f"a request header field name or value is longer than {MAX_FIELD_BYTES} bytes",
    ),
    "more header fields than the limit": (
        lambda h: request(h, "GET /api/items/1", *(f"X-{n}: a" for n in range(MAX_FIELDS))),
        431,
        f"the request has more than {MAX_FIELDS} header fields",
    ),
    "a request target over the limit": (
        lambda h: request(h, "GET /api/items/1?q=" + "a" * MAX_TARGET_BYTES),
        414,
        f"the request target is longer than {MAX_TARGET_BYTES} bytes",
    ),
    "a Content-Length that is not a number": (
        lambda h: request(h, "POST /api/greet", "Content-Length: 12abc", body=b"ann"),
        400,
        "Invalid character in Content-Length",
    ),
    "two Content-Lengths": (
        lambda h: request(h, "POST /api/greet", "Content-Length: 3", "Content-Length: 4", body=b"ann"),
        400,
        "Duplicate Content-Length",
    ),
    "Content-Length with chunked encoding": (
        lambda h: request(
            h, "POST /api/greet", "Content-Length: 3", "Transfer-Encoding: chunked", body=b"3\r\nann\r\n0\r\n\r\n"
        ),
        400,
        "Transfer-Encoding can't be present with Content-Length",
    ),
    "a chunk size that is not hexadecimal": (
        lambda h: request(h, "POST /api/greet", "Transfer-Encoding: chunked", body=b"3\r\nann\r\nzz\r\n"),
        400,
        "Invalid character in chunk size",
    ),
    "a transfer coding other than chunked last": (
        lambda h: request(h, "POST /api/greet", "Transfer-Encoding: gzip", body=b"ann"),
        400,
        "invalid `Transfer-Encoding`",
    ),
    "a request line that is not one": (lambda h: b"GARBAGE\r\n\r\n", 400, "Invalid method"),
    "a method that is not a token": (lambda h: request(h, "G@T /api/items/1"), 400, "Invalid method"),
    "an HTTP version that does not exist": (
        lambda h: request(h, "GET /api/items/1").replace(b"HTTP/1.1", b"HTTP/9.9", 1),
        400,
        "Invalid HTTP version",
    ),
    "a request target that is not a URL": (
        lambda h: request(h, "GET http://[bad/x"),
        400,
        "the request target is not a valid URL",
    ),
    "an HTTP/1.1 request without Host": (lambda h: b"GET /api/items/1 HTTP/1.1\r\n\r\n", 400, "Missing 'Host'"),
    "a header field name with a space": (
        lambda h: request(h, "GET /api/items/1", "Bad Name: x"),
        400,
        "Invalid header token",
    ),
    "a NUL in a header value": (
        lambda h: request(h, "GET /api/items/1", "X-A: a\x00b"),
        400,
        "Invalid header value char",
    ),
    "TLS sent to the HTTP port": (
        lambda h: bytes.fromhex("16030100a5010000a10303") + b"\x00" * 32,
        400,
        "Received HTTPS traffic on an HTTP port",
    ),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_request_the_parser_refuses_is_a_json_error_and_the_host_serves_on(host: DevHost, case: str) -> None:
    raw, status, reason = MALFORMED[case]
    answer = refused(host, raw(host))
    assert answer.status == status, answer.body[:300]
    assert reason in answer.error()
    assert host.request("GET", "/api/items/1")[0] == 200


@pytest.mark.parametrize(
    "raw",
    [
        lambda h: request(h, "GET /api/items/1", big("X-Big", MAX_FIELD_BYTES)),
        lambda h: request(h, "GET /api/items/1", *(f"X-{n}: a" for n in range(MAX_FIELDS - 1))),  # and Host
        lambda h: request(h, "GET /api/items/1?q=" + "a" * (MAX_TARGET_BYTES - len("/api/items/1?q="))),
    ],
    ids=["a header field at the limit", "as many header fields as the limit", "a request target at the limit"],
)
def test_a_request_head_at_the_limits_is_served(host: DevHost, raw: Callable[[DevHost], bytes]) -> None:
    with socket.create_connection(("127.0.0.1", host.port), timeout=GIVE_UP_SECONDS) as sock:
        sock.sendall(raw(host))
        answer = Answer(sock)
    assert answer.status == 200, answer.body[:300]
    assert json.loads(answer.body)["id"] == 1


def test_a_chunk_that_breaks_off_a_body_being_read_is_a_400_at_once(host: DevHost) -> None:
    """The host has the head and reads the body (it asked for it with 100 Continue) when a bad chunk comes:
    a 400 then, not a wait for the rest of a body that cannot come until the read timeout (30 s) ends it."""
    with socket.create_connection(("127.0.0.1", host.port), timeout=GIVE_UP_SECONDS) as sock:
        sock.sendall(request(host, "POST /api/greet", "Transfer-Encoding: chunked", "Expect: 100-continue"))
        go_on = _receive(sock)
        assert go_on.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), go_on
        sock.sendall(b"3\r\nann\r\n")
        sock.sendall(b"zz\r\n")
        answer = Answer(sock, go_on.removeprefix(b"HTTP/1.1 100 Continue\r\n\r\n"))
        assert (answer.status, answer.headers.get("connection")) == (400, "close")
        assert answer.error() == "malformed request body: Invalid character in chunk size: b'zz'"
        assert closed(sock)
    assert host.request("POST", "/api/greet", raw=b"bob")[1].startswith("hello bob")


@pytest.mark.parametrize("path", ["/api/greet", "/runtime/webhooks/durabletask/orchestrators/sequence", "/nothing"])
def test_an_expectation_other_than_100_continue_is_a_json_417(host: DevHost, path: str) -> None:
    """aiohttp answers it before any middleware runs."""
    with socket.create_connection(("127.0.0.1", host.port), timeout=GIVE_UP_SECONDS) as sock:
        sock.sendall(request(host, f"POST {path}", "Expect: 200-ok", "Content-Length: 3", body=b"ann"))
        answer = Answer(sock)
    assert (answer.status, answer.error()) == (417, "Expectation Failed")


def test_a_body_declared_over_100_mb_is_a_413_before_it_is_sent(host: DevHost) -> None:
    with socket.create_connection(("127.0.0.1", host.port), timeout=GIVE_UP_SECONDS) as sock:
        sock.sendall(request(host, "POST /api/greet", f"Content-Length: {MAX_BODY + 1}", body=b"ann"))
        answer = Answer(sock)
    assert (answer.status, answer.headers.get("connection")) == (413, "close")
    assert answer.error() == f"the request body is over {MAX_BODY} bytes ({MAX_BODY + 1} declared)"
    assert host.request("POST", "/api/greet", raw=b"bob")[1].startswith("hello bob")


def test_a_chunked_body_that_grows_over_100_mb_is_a_413(host: DevHost) -> None:
    chunk = b"a" * (1 << 20)
    with socket.create_connection(("127.0.0.1", host.port), timeout=GIVE_UP_SECONDS) as sock:
        sock.sendall(request(host, "POST /api/greet", "Transfer-Encoding: chunked"))
        for _ in range(MAX_BODY // len(chunk) + 1):
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = Answer(sock)
    assert (answer.status, answer.headers.get("connection")) == (413, "close")
    assert answer.error() == f"the request body is over {MAX_BODY} bytes"
    assert host.request("POST", "/api/greet", raw=b"bob")[1].startswith("hello bob")


def test_a_refusal_is_one_line_of_log_without_a_traceback(host: DevHost) -> None:
    refused(host, request(host, "GET /api/items/1", "Content-Length: x"))
    log = host.log()
    assert re.search(r"refused a malformed request from 127\.0\.0\.1: 400 malformed request: Invalid character", log)
    assert "Traceback" not in log
