"""What one client may hold of the host: time to send a request, open connections, lines of log.

Every web page the user opens can reach the host, so a slow or greedy client must not stall it:
- a request's head and its body must arrive within the read timeout (aiohttp times neither out by
  itself): a head that trickles is cut off with the connection, a body that trickles is a 408;
- a body is read whole before the handler runs: one over the size limit is a 413 (at once when its
  ``Content-Length`` says so), one that breaks off malformed (a bad chunk) a 400, and the connection closes
  after either, since the rest of the body is not read;
- connections are bounded below the open-file limit (raised to the hard limit at start), so the host
  never runs out of descriptors for its database and its own calls; at the bound the oldest idle
  connection is closed to make room, and a new one is refused only when every one is busy;
- a line of log that repeats (asyncio's "out of system resource" when descriptors run out anyway) is
  written once and then at most once per interval, with how many were left out.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Handler, Middleware
from aiohttp.web_protocol import RequestHandler, RequestPayloadError

from . import refusals
from .errors import RETRY_AFTER_SECONDS, error

log = logging.getLogger("devhost.connections")

MAX_CONNECTIONS = 4096  # far more than a development host needs, and bounded by the file limit below
FILES_KEPT_FREE = 256  # descriptors left for SQLite, the log, the app's own files and outbound calls
FEWEST_CONNECTIONS = 16
REPEAT_INTERVAL_SECONDS = 10.0  # a repeated log line is written at most this often
REMEMBERED_LINES = 1000  # distinct lines remembered (messages with changing text must not fill memory)


def raise_open_file_limit() -> int:
    """Raise the soft limit on open files to the hard one (a soft 1,024 is a common default); the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 16)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ValueError, OSError):
        return soft
    return wanted


def connection_limit(open_files: int) -> int:
    return max(FEWEST_CONNECTIONS, min(MAX_CONNECTIONS, open_files - FILES_KEPT_FREE))


class Connections:
    """The open connections, oldest first, which of them are busy with a request, and the bound on them.

    A connection is counted from the moment it is accepted (asyncio accepts a batch at a time, before any
    of them is told it is connected) until it is lost; one being closed to make room still holds its file.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[RequestHandler, None] = {}  # oldest first
        self._busy: dict[RequestHandler, int] = {}  # connection -> requests in progress on it
        self._closing: set[RequestHandler] = set()

    def accept(self, handler: Callable[[], RequestHandler]) -> asyncio.BaseProtocol:
        """The protocol for a new connection: ``handler()`` when there is room or room can be made."""
        if len(self._open) >= self.limit and not self._make_room():
            return _Refused()
        protocol = handler()
        self._open[protocol] = None
        return _Counted(protocol, self)

    def lost(self, protocol: RequestHandler) -> None:
        self._open.pop(protocol, None)
        self._closing.discard(protocol)

    @contextmanager
    def busy(self, connection: RequestHandler) -> Iterator[None]:
        self._busy[connection] = self._busy.get(connection, 0) + 1
        try:
            yield
        finally:
            if self._busy[connection] == 1:
                del self._busy[connection]
            else:
                self._busy[connection] -= 1

    def _make_room(self) -> bool:
        """Close the oldest idle connection; False when every one is busy."""
        idle = next((c for c in self._open if c not in self._busy and c not in self._closing), None)
        if idle is None:
            log.warning("%d connections are open and busy: a new one is refused", len(self._open))
            return False
        log.warning("%d connections are open: the oldest idle one is closed to make room", len(self._open))
        self._closing.add(idle)
        idle.force_close()
        return True


class _Counted(asyncio.Protocol):
    """A connection's own protocol, with ``Connections`` told when the connection is lost."""

    def __init__(self, protocol: RequestHandler, connections: Connections) -> None:
        self.protocol, self.connections = protocol, connections

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.protocol.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.lost(self.protocol)
        self.protocol.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.protocol.data_received(data)

    def eof_received(self) -> None:
        self.protocol.eof_received()

    def pause_writing(self) -> None:
        self.protocol.pause_writing()

    def resume_writing(self) -> None:
        self.protocol.resume_writing()


class _Refused(asyncio.Protocol):
    """A connection past the bound while every other one is busy: a 503, then the connection closes."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        body = b'{"error": "the local host has too many busy connections; try again later"}'
        head = (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nRetry-After: {RETRY_AFTER_SECONDS}\r\nConnection: close\r\n\r\n"
        )
        assert isinstance(transport, asyncio.Transport)
        transport.write(head.encode() + body)
        transport.close()


class BoundedSite(web.BaseSite):
    """Serve a bound socket with at most ``connections.limit`` connections open."""

    def __init__(self, runner: web.BaseRunner, sock: socket.socket, connections: Connections) -> None:
        super().__init__(runner)
        self.sock, self.connections = sock, connections

    @property
    def name(self) -> str:
        host, port = self.sock.getsockname()[:2]
        return f"http://{host}:{port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        protocol = refusals.protocols(server)
        self._server = await loop.create_server(lambda: self.connections.accept(protocol), sock=self.sock)


def read_deadline(seconds: float, max_body: int, connections: Connections) -> Middleware:
    """Mark the connection busy while a request is served, and read its body (``max_body`` bytes at most)
    within ``seconds``."""

    @web.middleware
    async def within_deadline(request: web.Request, handler: Handler) -> web.StreamResponse:
        with connections.busy(request.protocol):
            if request.body_exists:
                refused = await _read_body(request, seconds, max_body)
                if refused is not None:
                    refused.force_close()  # the rest of the body is not read: the connection cannot carry on
                    return refused
            return await handler(request)

    return within_deadline


async def _read_body(request: web.Request, seconds: float, max_body: int) -> web.Response | None:
    """Read the body, kept by the request for handlers to read from there; the refusal when it cannot be read."""
    if (request.content_length or 0) > max_body:
        return error(413, f"the request body is over {max_body} bytes ({request.content_length} declared)")
    try:
        async with asyncio.timeout(seconds):
            await request.read()
    except TimeoutError:
        log.warning("%s %s: the body did not arrive within %g s", request.method, request.path[:200], seconds)
        return error(408, f"the request body did not arrive within {seconds:g} s")
    except web.HTTPRequestEntityTooLarge:
        return error(413, f"the request body is over {max_body} bytes")
    except (RequestPayloadError, HttpProcessingError) as exc:  # the latter from aiohttp's pure-Python parser
        reason = refusals.one_line(exc)
        log.warning("%s %s: a malformed body: %s", request.method, request.path[:200], reason)
        return error(400, f"malformed request body: {reason}")
    return None


class RepeatedLines(logging.Filter):
    """Let a line through once, then at most once per ``interval``, saying how many like it were left out."""

    def __init__(self, interval: float = REPEAT_INTERVAL_SECONDS) -> None:
        super().__init__()
        self.interval = interval
        self._seen: dict[tuple[str, object], tuple[float, int]] = {}  # (logger, message) -> last written, left out
        self._lock = threading.Lock()  # a logger may be used from any thread

    def filter(self, record: logging.LogRecord) -> bool:
        key, now = (record.name, record.msg), time.monotonic()
        with self._lock:
            if len(self._seen) > REMEMBERED_LINES:  # forget lines written long enough ago to be written again anyway
                self._seen = {k: seen for k, seen in self._seen.items() if now - seen[0] < self.interval}
            written, left_out = self._seen.get(key, (float("-inf"), 0))
            if now - written < self.interval:
                self._seen[key] = (written, left_out + 1)
                return False
            self._seen[key] = (now, 0)
        if left_out:
            record.msg = f"{record.msg} ({left_out} more like it left out of the log)"
        return True
