"""Compose the local host: store, engine, and one aiohttp server for every route."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from . import app_index, dashboard, durable_api, http_functions, mcp_server
from .engine import Engine
from .settings import apply_local_settings
from .store import Store

log = logging.getLogger("devhost")


@dataclass
class HostConfig:
    app_module: str = "function_app"
    root: Path = Path(".")
    host: str = "127.0.0.1"
    port: int = 7071
    database: Path = Path(".devhost/durable.db")


@web.middleware
async def access_log(request: web.Request, handler: web.RequestHandler) -> web.StreamResponse:
    started = time.perf_counter()
    response = await handler(request)
    log.info("%s %s -> %d (%.1f ms)", request.method, request.path_qs, response.status,
             (time.perf_counter() - started) * 1000)
    return response


def build(config: HostConfig) -> tuple[web.Application, Engine]:
    root = config.root.resolve()
    apply_local_settings(root)
    index = app_index.load(config.app_module, root)
    log.info(
        "loaded %s: %d http, %d orchestrator, %d activity, %d entity function(s)",
        config.app_module,
        len(index.http),
        len(index.orchestrators),
        len(index.activities),
        len(index.entities),
    )
    config.database.parent.mkdir(parents=True, exist_ok=True)
    store = Store(str(config.database))
    engine = Engine(store, index)
    rpc_base = f"http://127.0.0.1:{config.port}{durable_api.RPC_PREFIX}/"

    app = web.Application(middlewares=[access_log])
    app.add_subapp(durable_api.PUBLIC_PREFIX, durable_api.build(engine, rpc=False))
    app.add_subapp(durable_api.RPC_PREFIX, durable_api.build(engine, rpc=True))
    app.add_subapp("/api", http_functions.build(index, rpc_base))
    app.add_subapp("/dashboard", dashboard.build(engine))
    mcp_server.mount(app, index, rpc_base, root)
    log.info("dashboard: http://%s:%d/dashboard", config.host, config.port)

    async def on_startup(_: web.Application) -> None:
        engine.start()
        log.info("database %s; serving http://%s:%d/api/", config.database, config.host, config.port)

    async def on_cleanup(_: web.Application) -> None:
        engine.stop()
        store.close()
        log.info("stopped")

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app, engine


def serve(config: HostConfig) -> None:
    app, _ = build(config)
    web.run_app(app, host=config.host, port=config.port, access_log=None, print=None, shutdown_timeout=5)
