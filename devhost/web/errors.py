"""Every error the local host answers is JSON, ``{"error": "..."}``, and bad input is a 4xx, never a 500.

Handlers raise ``ApiError``; the router's own 404 and 405, a store that refuses work (503 with
``Retry-After``) and anything unexpected (logged, then a JSON 500) come out the same way through
``json_errors``. Query parameters and request bodies are read with
the helpers here, which refuse what cannot be read instead of failing on it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from ..store.event_store import StoreError

log = logging.getLogger("devhost")
_ECHO = 60  # characters of a bad value an error message repeats
RETRY_AFTER_SECONDS = 5  # what a 503 asks a client to wait: the store's retries pause up to this long


class ApiError(Exception):
    """A request the host will not serve: its status and the reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def http_error(exc: web.HTTPException) -> web.Response | None:
    """The JSON answer for aiohttp's own error ``exc`` (a 404 or 405 of the router, ...); None when it needs none:
    it is no error, or its body is JSON already."""
    if exc.status < 400 or exc.content_type == "application/json":
        return None
    return error(exc.status, exc.reason)


def unavailable(message: str) -> web.Response:
    """503 with ``Retry-After``: the local store refuses reads or writes just now; try again later."""
    response = error(503, message)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error(exc.status, str(exc))
    except StoreError as exc:  # a store that refuses reads or writes: nothing was changed, try again later
        return unavailable(f"the local store is unavailable, nothing was changed: {exc}")
    except web.HTTPException as exc:
        answer = http_error(exc)
        if answer is None:
            raise
        return answer
    except Exception:
        log.exception("%s %s failed", request.method, request.path[:200])
        return error(500, "the local host failed on this request; its log has the details")


def whole_number(text: str, name: str, low: int, high: int) -> int:
    """A query parameter that must be a whole number from ``low`` to ``high`` (ASCII digits only)."""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(high)) and low <= int(text) <= high):
        raise ApiError(400, f"{name} must be a whole number from {low} to {high}, not '{text[:_ECHO]}'")
    return int(text)


async def json_body(request: web.Request) -> Any:
    """The request body's JSON value, or ``...`` when the body is empty; ApiError when it cannot be read.

    Bodies are read as sent: the Durable extension does not decompress request bodies either.
    """
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise ApiError(415, f"Content-Encoding '{encoding[:_ECHO]}' is not supported: send the body uncompressed")
    raw = await request.read()
    if not raw.strip():
        return ...
    charset = request.charset or "utf-8"
    try:
        text = raw.decode(charset)
    except LookupError:
        raise ApiError(415, f"charset '{charset[:_ECHO]}' is not supported: send UTF-8") from None
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"request body is not {charset} text: {exc.reason} at byte {exc.start}") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise ApiError(400, "request body is not valid JSON: it is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and integers too long to convert
        raise ApiError(400, f"request body is not valid JSON: {exc}") from None
