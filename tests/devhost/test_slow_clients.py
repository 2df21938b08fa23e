"""Clients that trickle: every web page the user opens can reach the host, and none may stall it.

A request whose head or body trickles in is cut off after the read timeout.
"""

from __future__ import annotations

import resource
import select
import socket
import time
from collections.abc import Iterator

import pytest

from devhost.process import DevHost
from tests.conftest import APPS

READ_TIMEOUT = 1.0  # seconds, given to the host; the tests wait on what the host does, not on a clock
GIVE_UP_SECONDS = 30.0  # how long a test waits for the host to act before it fails

pytestmark = pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="needs Linux resource limits")


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    folder = tmp_path_factory.mktemp("slow")
    server = DevHost("protocol_app", APPS, folder / "db.sqlite", folder / "host.log",
                     {"PROTOCOL_SCRATCH": str(folder)}, ["--read-timeout", str(READ_TIMEOUT)]).start()
    yield server
    server.stop()


def trickle(sock: socket.socket, piece: bytes) -> bytes:
    """Send ``piece`` again and again, slowly, until the host answers or closes; what it answered."""
    deadline = time.monotonic() + GIVE_UP_SECONDS
    while time.monotonic() < deadline:
        try:
            sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            return b""
        if select.select([sock], [], [], 0.2)[0]:
            try:
                return sock.recv(65536)
            except ConnectionResetError:
                return b""
    pytest.fail(f"the host still waits for a request that trickled in for {GIVE_UP_SECONDS:g} s")


def test_a_request_head_that_trickles_in_is_cut_off(host: DevHost) -> None:
    with socket.create_connection(("127.0.0.1", host.port)) as sock:
        sock.sendall(f"GET /api/items/1 HTTP/1.1\r\nHost: 127.0.0.1:{host.port}\r\n".encode())
        assert trickle(sock, b"X-Slow: a\r\n") == b""  # closed without an answer
    assert host.request("GET", "/api/items/1")[0] == 200


def test_a_request_body_that_trickles_in_is_a_408(host: DevHost) -> None:
    with socket.create_connection(("127.0.0.1", host.port)) as sock:
        sock.sendall(f"POST /api/greet HTTP/1.1\r\nHost: 127.0.0.1:{host.port}\r\nContent-Length: 100000\r\n"
                     "Content-Type: text/plain\r\n\r\n".encode())
        answer = trickle(sock, b"x")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), answer
    assert b'"error": "the request body did not arrive within' in body
    assert host.request("POST", "/api/greet", raw=b"ann")[1].startswith("hello ann")
