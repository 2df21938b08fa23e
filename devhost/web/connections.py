"""What one client may hold of the host: time to send a request.

Every web page the user opens can reach the host, so a slow client must not stall it: a request's head
and its body must arrive within the read timeout (aiohttp times neither out by itself). A head that
trickles is cut off with the connection, as an idle connection is; a body that trickles is a 408.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from .errors import error

log = logging.getLogger("devhost.connections")


def read_deadline(seconds: float) -> Middleware:
    """Read a request's body within ``seconds``."""

    @web.middleware
    async def within_deadline(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.body_exists:
            try:
                async with asyncio.timeout(seconds):
                    await request.read()  # kept by the request: handlers read it from there
            except TimeoutError:
                log.warning("%s %s: the body did not arrive within %g s", request.method, request.path[:200], seconds)
                response = error(408, f"the request body did not arrive within {seconds:g} s")
                response.force_close()
                return response
        return await handler(request)

    return within_deadline
