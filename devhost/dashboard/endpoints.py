"""The dashboard's HTTP surface: JSON endpoints under ``/dashboard/api`` and the static page.

Every page URL (the list, ``/orchestrations/<id>``, ``/agents/<session>``, ``/metrics``) serves the
same HTML; the script reads the path, so each view has a link a user can share.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from ..runtime.engine import Engine
from ..runtime.workers import DaemonPool
from ..store.event_store import RUNTIME_STATUSES
from ..web.errors import ApiError, whole_number
from . import queries, views
from .conversation import AGENT_PREFIX
from .figures import AgentFigures
from .jsonview import to_json

STATIC = Path(__file__).parent / "static"
STATIC_FILES = frozenset(path.name for path in STATIC.iterdir() if path.is_file())
MAX_LIMIT = 1000
_ENGINE = web.AppKey("engine", Engine)
_POOL = web.AppKey("pool", DaemonPool)
_NAMES = web.AppKey("agent_names", queries.AgentNames)
_FIGURES = web.AppKey("agent_figures", AgentFigures)


async def _answer(request: web.Request, not_found: str, view: Callable[..., Any], *args: Any) -> web.Response:
    """Run a view (its store reads and the JSON encoding) on the pool, so the event loop keeps serving
    every other request meanwhile; a view that finds nothing answers 404 with ``not_found``."""

    def render() -> str | None:
        value = view(*args)
        return None if value is None else json.dumps(to_json(value))

    text = await request.app[_POOL].run(render)
    if text is None:
        raise ApiError(404, not_found)
    return web.Response(text=text, content_type="application/json")


async def page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def static(request: web.Request) -> web.FileResponse:
    """The page's own files, and nothing else: a name not in the folder is a 404, whatever it holds."""
    name = request.match_info["name"]
    if name not in STATIC_FILES:
        raise ApiError(404, "no such file in the dashboard")
    return web.FileResponse(STATIC / name)


async def list_orchestrations(request: web.Request) -> web.Response:
    query = request.query
    statuses = _statuses(query.getall("status", []))
    limit = _limit(query.get("limit"), default=200)
    store = request.app[_ENGINE].store
    return await _answer(
        request,
        "",
        views.orchestration_list,
        store,
        statuses or None,
        query.get("name") or None,
        query.get("q") or None,
        limit,
    )


async def get_orchestration(request: web.Request) -> web.Response:
    engine, instance_id = request.app[_ENGINE], request.match_info["instance_id"]
    return await _answer(
        request,
        f"no orchestration instance with ID '{instance_id[:300]}'",
        views.orchestration_detail,
        engine.store,
        request.app[_NAMES],
        instance_id,
    )


async def list_sessions(request: web.Request) -> web.Response:
    agent = request.query.get("agent", "").strip()
    limit = _limit(request.query.get("limit"), default=200)
    entity_name = _entity_name(agent) if agent else None
    store = request.app[_ENGINE].store
    return await _answer(request, "", views.session_list, store, request.app[_NAMES], entity_name, limit)


async def get_session(request: web.Request) -> web.Response:
    entity_id = session_entity_id(request.match_info["ref"])
    store = request.app[_ENGINE].store
    return await _answer(
        request, f"no agent session '{entity_id[:300]}'", views.session_detail, store, request.app[_NAMES], entity_id
    )


async def get_metrics(request: web.Request) -> web.Response:
    store = request.app[_ENGINE].store
    return await _answer(request, "", views.metrics, store, request.app[_FIGURES])


def session_entity_id(ref: str) -> str:
    """An agent session from its entity id (``@dafx-name@key``) or ``<agent>/<key>``, as an entity id."""
    if ref.startswith("@"):
        _, name, key = [*ref.split("@", 2), ""][:3]
    else:
        name, _, key = ref.partition("/")
    if not name or not key:
        raise ApiError(400, f"'{ref[:100]}' is not an agent session: use '@dafx-<agent>@<key>' or '<agent>/<key>'")
    return f"@{_entity_name(name)}@{key}"


def _entity_name(agent: str) -> str:
    name = agent.lower()
    return name if name.startswith(AGENT_PREFIX) else AGENT_PREFIX + name


def _statuses(values: list[str]) -> list[str]:
    canonical = {s.lower(): s for s in RUNTIME_STATUSES}
    wanted = [v.strip() for value in values for v in value.split(",") if v.strip()]
    unknown = [v for v in wanted if v.lower() not in canonical]
    if unknown:
        raise ApiError(400, f"unknown status '{unknown[0][:40]}'; use one of {', '.join(RUNTIME_STATUSES)}")
    return [canonical[v.lower()] for v in wanted]


def _limit(text: str | None, default: int) -> int:
    return default if text is None else whole_number(text, "limit", 1, MAX_LIMIT)


def build(engine: Engine, pool: DaemonPool) -> web.Application:
    """The dashboard as an aiohttp sub-application, to mount at ``/dashboard``; ``pool`` runs its queries."""
    app = web.Application()
    app[_ENGINE] = engine
    app[_POOL] = pool
    app[_NAMES] = queries.AgentNames(engine.store, engine.index.entity_names)
    app[_FIGURES] = AgentFigures(engine.store, app[_NAMES])
    for path in ("", "/", "/orchestrations/{instance_id:.+}", "/agents", "/agents/{ref:.+}", "/metrics"):
        app.router.add_get(path, page)
    app.router.add_get("/static/{name}", static)
    app.router.add_get("/api/orchestrations", list_orchestrations)
    app.router.add_get("/api/orchestrations/{instance_id:.+}", get_orchestration)
    app.router.add_get("/api/agents", list_sessions)
    app.router.add_get("/api/agents/{ref:.+}", get_session)
    app.router.add_get("/api/metrics", get_metrics)
    return app
