"""Serve one aiohttp request with an ASGI application (the MCP SDK's transports are ASGI apps).

The request body is handed over whole (the host has read it anyway); the response is streamed as
the application writes it, so server-sent events reach the client at once. After the body,
``receive`` blocks until the client goes away or the response is complete, then reports
``http.disconnect``, which is what streaming responses wait for to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from aiohttp import web

Message = MutableMapping[str, Any]
ASGIApp = Callable[[Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

DISCONNECT_POLL_SECONDS = 1.0  # aiohttp tells no event when a client leaves: look at the transport this often


async def serve(app: ASGIApp, request: web.Request, root_path: str) -> web.StreamResponse:
    body = await request.read()
    peer = request.transport.get_extra_info("peername") if request.transport else None
    scope: Message = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": f"{request.version.major}.{request.version.minor}",
        "method": request.method,
        "scheme": request.scheme,
        "path": request.path,
        "raw_path": request.raw_path.split("?", 1)[0].encode(),
        "root_path": root_path,
        "query_string": request.query_string.encode(),
        "headers": [(name.lower(), value) for name, value in request.raw_headers],
        "client": tuple(peer[:2]) if isinstance(peer, tuple) else None,
        "server": (request.url.host, request.url.port),
    }
    response: web.StreamResponse | None = None
    complete = asyncio.Event()
    body_sent = False

    async def receive() -> Message:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        while not complete.is_set() and request.transport is not None and not request.transport.is_closing():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(complete.wait(), DISCONNECT_POLL_SECONDS)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal response
        if message["type"] == "http.response.start":
            response = web.StreamResponse(status=message["status"])
            for name, value in message.get("headers", ()):
                response.headers.add(name.decode("latin-1"), value.decode("latin-1"))
            await response.prepare(request)
        elif message["type"] == "http.response.body" and response is not None:
            await response.write(message.get("body", b""))
            if not message.get("more_body", False):
                await response.write_eof()
                complete.set()

    try:
        await app(scope, receive, send)
    finally:
        complete.set()
    if response is None:
        raise web.HTTPInternalServerError(text="the ASGI application sent no response")
    return response
