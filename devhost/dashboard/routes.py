"""The dashboard's HTTP surface: JSON endpoints under ``/dashboard/api`` and the static page.

Every page URL (the list, ``/orchestrations/<id>``, ``/agents/<session>``, ``/metrics``) serves the
same HTML; the script reads the path, so each view has a link a user can share.
"""

from __future__ import annotations

from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from ..durable_api import error
from ..engine import Engine
from ..store import RUNTIME_STATUSES
from . import queries, views
from .conversation import AGENT_PREFIX, read_session
from .jsonview import to_json
from .links import PAGE_ROOT

STATIC = Path(__file__).parent / "static"
MAX_LIMIT = 1000
_ENGINE = web.AppKey("engine", Engine)
_POOL = web.AppKey("pool", Executor)
_NAMES = web.AppKey("agent_names", queries.AgentNames)


class BadRequest(ValueError):
    """A query parameter or path the API cannot use; answered with 400 and the reason."""


def _json(value: Any, status: int = 200) -> web.Response:
    return web.json_response(to_json(value), status=status)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """API errors as JSON: bad input is a 400 with the reason, an unknown route a 404, never an HTML page."""
    try:
        return await handler(request)
    except BadRequest as exc:
        return error(400, str(exc))
    except web.HTTPException as exc:
        if not request.path.startswith(f"{PAGE_ROOT}/api/") or exc.status < 400:
            raise
        return error(exc.status, exc.reason)


async def page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def list_orchestrations(request: web.Request) -> web.Response:
    store = request.app[_ENGINE].store
    statuses = _statuses(request.query.getall("status", []))
    found = store.instances(
        statuses=statuses or None,
        name=request.query.get("name") or None,
        prefix=request.query.get("q") or None,
        limit=_limit(request.query.get("limit"), default=200),
    )
    return _json(
        {
            "orchestrations": [views.summarize(i) for i in found],
            "names": queries.orchestration_names(store),
            "counts": queries.status_counts(store),
        }
    )


async def get_orchestration(request: web.Request) -> web.Response:
    engine = request.app[_ENGINE]
    instance_id = request.match_info["instance_id"]
    instance = engine.store.instance(instance_id)
    if instance is None:
        return error(404, f"no orchestration instance with ID '{instance_id}'")
    return _json(views.orchestration_detail(engine.store, engine.index, request.app[_NAMES], instance))


async def list_sessions(request: web.Request) -> web.Response:
    store = request.app[_ENGINE].store
    agent = request.query.get("agent", "").strip()
    entity_name = _entity_name(agent) if agent else None
    found = views.sessions(store, entity_name, _limit(request.query.get("limit"), default=200))
    names = request.app[_NAMES]
    return _json(
        {
            "sessions": [views.session_summary(s) for s in found],
            "agents": sorted(names.display(n) for n in queries.agent_entity_names(store)),
        }
    )


async def get_session(request: web.Request) -> web.Response:
    entity_id = session_entity_id(request.match_info["ref"])
    row = queries.agent_entity(request.app[_ENGINE].store, entity_id)
    if row is None:
        return error(404, f"no agent session '{entity_id}'")
    return _json(views.session_detail(read_session(row["id"], row["state"], row["updated"])))


async def get_metrics(request: web.Request) -> web.Response:
    return _json(views.metrics(request.app[_ENGINE].store))


def session_entity_id(ref: str) -> str:
    """An agent session from its entity id (``@dafx-name@key``) or ``<agent>/<key>``, as an entity id."""
    if ref.startswith("@"):
        _, name, key = [*ref.split("@", 2), ""][:3]
    else:
        name, _, key = ref.partition("/")
    if not name or not key:
        raise BadRequest(f"'{ref}' is not an agent session: use '@dafx-<agent>@<key>' or '<agent>/<key>'")
    return f"@{_entity_name(name)}@{key}"


def _entity_name(agent: str) -> str:
    name = agent.lower()
    return name if name.startswith(AGENT_PREFIX) else AGENT_PREFIX + name


def _statuses(values: list[str]) -> list[str]:
    canonical = {s.lower(): s for s in RUNTIME_STATUSES}
    wanted = [v.strip() for value in values for v in value.split(",") if v.strip()]
    unknown = [v for v in wanted if v.lower() not in canonical]
    if unknown:
        raise BadRequest(f"unknown status '{unknown[0]}'; use one of {', '.join(RUNTIME_STATUSES)}")
    return [canonical[v.lower()] for v in wanted]


def _limit(text: str | None, default: int) -> int:
    if text is None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}, not '{text}'")
    return int(text)


def build(engine: Engine, pool: Executor) -> web.Application:
    """The dashboard as an aiohttp sub-application, to mount at ``/dashboard``; ``pool`` runs its queries."""
    app = web.Application(middlewares=[json_errors])
    app[_ENGINE] = engine
    app[_POOL] = pool
    app[_NAMES] = queries.AgentNames(engine.store)
    for path in ("", "/", "/orchestrations/{instance_id:.+}", "/agents", "/agents/{ref:.+}", "/metrics"):
        app.router.add_get(path, page)
    app.router.add_static("/static", STATIC)
    app.router.add_get("/api/orchestrations", list_orchestrations)
    app.router.add_get("/api/orchestrations/{instance_id:.+}", get_orchestration)
    app.router.add_get("/api/agents", list_sessions)
    app.router.add_get("/api/agents/{ref:.+}", get_session)
    app.router.add_get("/api/metrics", get_metrics)
    return app
