"""Requests aiohttp's parser refuses before any handler runs, answered as JSON like every other error.

A header field over the limit, a bad ``Content-Length``, a malformed request line or chunk: aiohttp answers
these itself with a ``text/plain`` 400 and logs a traceback, and offers no hook for them (aio-libs/aiohttp#3287;
middlewares and ``on_response_prepare`` never see such a request). ``RefusingHandler`` is aiohttp's own
connection protocol with three methods changed, written against aiohttp 3.14.5 (pinned in requirements-dev.txt),
whose private names it reads; ``tests/devhost/test_refusals.py`` fails if an upgrade changes them:

- ``handle_error`` answers a parse error with ``{"error": ...}`` and the status that says what was wrong (414
  for a request target over the limit, 431 for a header name or value over it or too many fields, else 400), with
  ``Connection: close`` (the parser cannot carry on after an error), and logs one line instead of a traceback;
- ``data_received`` hands an error found in the middle of a body (a bad chunk) to the request reading it:
  aiohttp's C parser drops that body without a word, so the handler waited for it until the read timeout;
- ``finish_response`` makes JSON of an HTTP error raised before the middlewares ran, where ``json_errors``
  cannot see it: the 417 aiohttp answers to an ``Expect`` other than ``100-continue``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError, InvalidURLError, LineTooLong
from aiohttp.web_protocol import RequestHandler, RequestPayloadError, _ErrInfo

from .errors import error, http_error

log = logging.getLogger("devhost")

# Limits on a request's head. aiohttp reports a request target and a header field over their limit with the same
# exception, naming only the limit, so the two limits differ to tell a 414 from a 431.
MAX_TARGET_BYTES = 8192  # the request target (path and query); Kestrel, the Functions host's server, allows 8 KB
MAX_FIELD_BYTES = 8190  # a header field's name, and its value (aiohttp's default)
MAX_FIELDS = 128  # header fields in one request (aiohttp's default)
LIMITS = {"max_line_size": MAX_TARGET_BYTES, "max_field_size": MAX_FIELD_BYTES, "max_headers": MAX_FIELDS}
_TOO_MANY_FIELDS = "Too many headers received"  # aiohttp's message for more than max_headers fields
_REASON_CHARACTERS = 300


class RefusingHandler(RequestHandler):
    """aiohttp's protocol for one connection, answering what its parser refuses as JSON."""

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if not isinstance(exc, HttpProcessingError):  # a failure past the parser (a handler's): aiohttp's answer
            return super().handle_error(request, status, exc, message)
        status, reason = self.refusal(exc)
        log.warning("refused a malformed request from %s: %d %s", request.remote, status, reason)
        response = error(status, reason)
        response.force_close()
        response.headers["Connection"] = "close"  # said outright: the answer to a request aiohttp read as HTTP/1.0
        return response

    def data_received(self, data: bytes) -> None:
        reading = self._current_request
        super().data_received(data)
        refused = self._messages[-1][0] if self._messages else None
        if reading is not None and isinstance(refused, _ErrInfo) and not reading.content.is_eof():
            reading.content.set_exception(RequestPayloadError(one_line(refused.exc)))
            reading.content.feed_eof()  # the body ends here: nothing of it is left to read (and to linger on)

    async def finish_response(
        self, request: web.BaseRequest, resp: web.StreamResponse, start_time: float | None
    ) -> tuple[web.StreamResponse, bool]:
        if isinstance(resp, web.HTTPException):  # raised before the middlewares: the 417 for an unknown Expect
            resp = http_error(resp) or resp
        return await super().finish_response(request, resp, start_time)

    def refusal(self, exc: BaseException) -> tuple[int, str]:
        """The status and the reason for a request the parser refused with ``exc``."""
        if isinstance(exc, LineTooLong) and exc.args[1] == self.max_line_size:
            return 414, f"the request target is longer than {self.max_line_size} bytes"
        if isinstance(exc, LineTooLong):
            return 431, f"a request header field name or value is longer than {self.max_field_size} bytes"
        if isinstance(exc, HttpProcessingError) and exc.message == _TOO_MANY_FIELDS:
            return 431, f"the request has more than {self.max_headers} header fields"
        if isinstance(exc, InvalidURLError):
            return 400, f"malformed request: the request target is not a valid URL: {one_line(exc)}"
        return 400, f"malformed request: {one_line(exc)}"


def protocols(server: web.Server) -> Callable[[], RequestHandler]:
    """A connection protocol factory for ``server``: what ``web.Server.__call__`` builds, as a RefusingHandler."""
    return functools.partial(RefusingHandler, server, loop=server._loop, **server._kwargs)


def one_line(exc: BaseException) -> str:
    """aiohttp's message for a malformed request on one line: the reason and the bytes it quotes, without the
    caret pointing into them."""
    message = exc.message if isinstance(exc, HttpProcessingError) else str(exc)
    parts = [line.strip().rstrip(":") for line in message.splitlines() if line.strip().strip("^")]
    return ": ".join(parts)[:_REASON_CHARACTERS]
