"""Clients that trickle or hoard: every web page the user opens can reach the host, and none may stall it.

A request whose head or body trickles in is cut off after the read timeout; more idle keep-alive connections
than a 1,024-file limit (a common default) allows neither stall the host nor flood its log, and where the
system allows more files the host raises its own limit and keeps every connection.
"""

from __future__ import annotations

import re
import resource
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost.process import DevHost
from tests.conftest import APPS

READ_TIMEOUT = 1.0  # seconds, given to the host; the tests wait on what the host does, not on a clock
GIVE_UP_SECONDS = 30.0  # how long a test waits for the host to act before it fails
FILE_LIMIT = 1024
IDLE_CONNECTIONS = FILE_LIMIT + 100

pytestmark = pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="needs Linux resource limits")


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    folder = tmp_path_factory.mktemp("slow")
    server = DevHost(
        "protocol_app",
        APPS,
        folder / "db.sqlite",
        folder / "host.log",
        {"PROTOCOL_SCRATCH": str(folder)},
        ["--read-timeout", str(READ_TIMEOUT)],
    ).start()
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
        sock.sendall(
            f"POST /api/greet HTTP/1.1\r\nHost: 127.0.0.1:{host.port}\r\nContent-Length: 100000\r\n"
            "Content-Type: text/plain\r\n\r\n".encode()
        )
        answer = trickle(sock, b"x")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), answer
    assert b'"error": "the request body did not arrive within' in body
    assert host.request("POST", "/api/greet", raw=b"ann")[1].startswith("hello ann")


def keep_alive_get(sock: socket.socket, port: int) -> int:
    """One GET on a kept-alive connection; its status (0 when the host closed the connection)."""
    sock.sendall(f"GET /api/items/1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    answer = b""
    while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < _length(answer):
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return 0
        if not chunk:
            return 0
        answer += chunk
    return int(answer.split(b" ", 2)[1])


def _length(answer: bytes) -> int:
    found = re.search(rb"(?i)\r\ncontent-length: *(\d+)", answer.partition(b"\r\n\r\n")[0])
    return int(found[1]) if found else 0


def open_idle_connections(port: int, served: bool) -> list[socket.socket]:
    """Connections that send nothing, opened at once, or (``served``) that each had a request answered 200
    and are now kept alive, idle."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < IDLE_CONNECTIONS + 200:
        pytest.skip(f"this test needs {IDLE_CONNECTIONS + 200} open files; the limit here is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, IDLE_CONNECTIONS + 200), hard))
    connections = []
    for _ in range(IDLE_CONNECTIONS):
        sock = socket.create_connection(("127.0.0.1", port), timeout=GIVE_UP_SECONDS)
        connections.append(sock)
        if served:
            assert keep_alive_get(sock, port) == 200, f"connection {len(connections)} was not served"
    return connections


def test_more_idle_connections_than_a_1024_file_limit_allows_neither_stall_the_host_nor_flood_its_log(
    tmp_path: Path,
) -> None:
    host = DevHost(
        "protocol_app",
        APPS,
        tmp_path / "db.sqlite",
        tmp_path / "host.log",
        {"PROTOCOL_SCRATCH": str(tmp_path)},
        open_files=(FILE_LIMIT, FILE_LIMIT),
    ).start()
    connections: list[socket.socket] = []
    try:
        connections = open_idle_connections(host.port, served=False)
        assert host.request("GET", "/api/items/2")[0] == 200
        code, started = host.request("POST", "/api/start/sequence", [])
        assert code == 202 and host.wait_for(started["id"])["runtimeStatus"] == "Completed"
        log = host.log()
        assert "Too many open files" not in log and "out of system resource" not in log
        room = re.findall(r"connections are open: the oldest idle one is closed to make room", log)
        assert room  # at the bound, idle connections made room: written once, not once per connection
        assert len(room) < IDLE_CONNECTIONS // 10
    finally:
        for sock in connections:
            sock.close()
        host.kill()


def test_where_the_system_allows_more_files_the_host_raises_its_limit_and_keeps_every_connection(
    tmp_path: Path,
) -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < 4 * FILE_LIMIT:
        pytest.skip(f"this test gives the host a hard limit of {4 * FILE_LIMIT} open files; the limit here is {hard}")
    host = DevHost(
        "protocol_app",
        APPS,
        tmp_path / "db.sqlite",
        tmp_path / "host.log",
        {"PROTOCOL_SCRATCH": str(tmp_path)},
        open_files=(FILE_LIMIT, 4 * FILE_LIMIT),
    ).start()
    assert host.process is not None
    connections: list[socket.socket] = []
    try:
        assert resource.prlimit(host.process.pid, resource.RLIMIT_NOFILE) == (4 * FILE_LIMIT, 4 * FILE_LIMIT)
        connections = open_idle_connections(host.port, served=True)
        assert keep_alive_get(connections[0], host.port) == 200  # the first one is still open and served
        assert "closed to make room" not in host.log()
    finally:
        for sock in connections:
            sock.close()
        host.kill()
