"""Keep other web pages and other host names from driving the local host.

Every page a developer opens can send requests to ``http://localhost:7071``: a ``fetch(..., {mode:
"no-cors"})`` cannot read the answer but still starts flows, raises events and terminates instances, and
a DNS-rebound name can even read the answers. So, for every request:

- the ``Host`` header must name this host: a loopback name (``localhost``, ``*.localhost``, ``127.0.0.1``,
  ``::1``), the address it is bound to, a name given with ``--allow-host``, or, when bound to every
  interface, an IP address (a literal address cannot be DNS-rebound);
- a request from another origin (``Origin`` other than the host's own, or ``Sec-Fetch-Site`` cross-site
  or same-site) is refused unless it is a GET or HEAD navigation (following a link), or its origin is
  allowed by ``Host.CORS`` in local.settings.json, as Core Tools allows it.

Clients that are not browsers (curl, the SDK's durable client) send neither header and pass. A refusal
is a 403 with a JSON body naming the reason.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from .errors import error

log = logging.getLogger("devhost")
SAFE_METHODS = frozenset({"GET", "HEAD"})
_WILDCARDS = frozenset({"", "0.0.0.0", "::"})
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class Guard:
    bound_host: str
    extra_hosts: frozenset[str] = frozenset()
    cors_origins: frozenset[str] = frozenset()  # "*" allows every origin
    cors_credentials: bool = False

    @staticmethod
    def create(
        bound_host: str, extra_hosts: Iterable[str] = (), cors: Iterable[str] = (), cors_credentials: bool = False
    ) -> Guard:
        return Guard(
            bound_host.strip("[]").lower(),
            frozenset(h.lower().rstrip(".") for h in extra_hosts),
            frozenset(o.strip().rstrip("/").lower() for o in cors if o.strip()),
            cors_credentials,
        )

    def refusal(self, request: web.Request) -> str | None:
        """Why the request must be refused, or None."""
        host = request.headers.get("Host")
        if host is not None and not self.serves(host_name(host)):
            return (
                f"Host '{host[:100]}' is not served here: use localhost or {self.bound_host or 'this address'}"
                " (or start the host with --allow-host NAME)"
            )
        origin = request.headers.get("Origin")
        if origin is not None and self.cors_allows(origin):
            return None
        site = request.headers.get("Sec-Fetch-Site", "")
        foreign_site = site in ("cross-site", "same-site")
        foreign_origin = origin is not None and origin.lower() != f"{request.scheme}://{host or ''}".lower()
        if request.method in SAFE_METHODS:
            navigation = request.headers.get("Sec-Fetch-Mode") == "navigate"
            foreign = foreign_site and not navigation
        else:
            foreign = foreign_site or foreign_origin
        if foreign:
            return (
                f"{request.method} from another origin ({origin or site}) refused: the local host only "
                "takes requests from its own pages and from clients that are not browsers (allow an "
                "origin with Host.CORS in local.settings.json)"
            )
        return None

    def serves(self, name: str) -> bool:
        if name in _LOOPBACK or name.endswith(".localhost") or name == self.bound_host or name in self.extra_hosts:
            return True
        return self.bound_host in _WILDCARDS and _is_ip(name)

    def cors_allows(self, origin: str) -> bool:
        return "*" in self.cors_origins or origin.rstrip("/").lower() in self.cors_origins


def host_name(host: str) -> str:
    """The name part of a Host header (``[::1]:7071`` -> ``::1``), lower case, without a trailing dot."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    name, _, port = host.rpartition(":")
    return (name if name and port.isdigit() else host).rstrip(".")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def middleware(guard: Guard) -> Middleware:
    @web.middleware
    async def refuse_foreign(request: web.Request, handler: Handler) -> web.StreamResponse:
        reason = guard.refusal(request)
        if reason is not None:
            log.warning("refused %s %s: %s", request.method, request.path[:200], reason)
            return error(403, reason)
        origin = request.headers.get("Origin")
        if request.method == "OPTIONS" and origin and request.headers.get("Access-Control-Request-Method"):
            return web.Response(status=204, headers=_preflight(request, guard))
        response = await handler(request)
        if origin and guard.cors_allows(origin):
            response.headers.update(_cors_headers(origin, guard))
        return response

    return refuse_foreign


def _cors_headers(origin: str, guard: Guard) -> dict[str, str]:
    if "*" in guard.cors_origins and not guard.cors_credentials:
        return {"Access-Control-Allow-Origin": "*"}
    headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    if guard.cors_credentials:
        headers["Access-Control-Allow-Credentials"] = "true"
    return headers


def _preflight(request: web.Request, guard: Guard) -> dict[str, str]:
    return {
        **_cors_headers(request.headers["Origin"], guard),
        "Access-Control-Allow-Methods": request.headers["Access-Control-Request-Method"],
        "Access-Control-Allow-Headers": request.headers.get("Access-Control-Request-Headers", ""),
        "Access-Control-Max-Age": "600",
    }
