"""Compose the local host: store, engine, and one aiohttp server for every route.

Starting checks what can stop a start before anything runs: the database is locked for this host alone
(two hosts on one database would run the same agent calls twice), the port is bound, the app and its
settings load. Each failure is a ``StartupError`` with a one-line reason.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler
from filelock import FileLock, Timeout

from . import dashboard
from .app import app_index, host_config
from .app.local_settings import LocalSettingsError, apply_local_settings
from .mcp import endpoint as mcp_endpoint
from .runtime.engine import Engine
from .runtime.tracebacks import describe, where
from .runtime.workers import DaemonPool
from .store.event_store import Store, StoreError
from .web import connections, durable_api, guard, http_functions, refusals
from .web.errors import json_errors

log = logging.getLogger("devhost")
MAX_REQUEST_BODY = 100 * 1024 * 1024  # the Functions host's limit
HTTP_SHUTDOWN_SECONDS = 2.0  # how long a stop waits for requests in flight
EXIT_GRACE_SECONDS = 3.0  # after that, threads the app started cannot keep the process alive
HTTP_WORKERS = 32  # threads for synchronous HTTP functions and off-loop reads


class StartupError(Exception):
    """Why the host cannot start, in one line."""


@dataclass
class HostConfig:
    app_module: str = "function_app"
    root: Path = Path(".")
    host: str = "127.0.0.1"
    port: int = 7071
    database: Path = Path(".devhost/durable.db")
    allowed_hosts: list[str] = field(default_factory=list)
    read_timeout: float = 30.0  # for a request's head (and an idle connection), and again for its body


@web.middleware
async def access_log(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    response = await handler(request)
    log.info(
        "%s %s -> %d (%.1f ms)",
        request.method,
        request.path_qs[:300],
        response.status,
        (time.perf_counter() - started) * 1000,
    )
    return response


def serve(config: HostConfig) -> None:
    """Run the host until SIGINT or SIGTERM; raises StartupError when it cannot start."""
    lock = FileLock(f"{config.database}.lock", timeout=0, fallback_to_soft=False)
    try:
        config.database.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        raise StartupError(
            f"another local host is already running on {config.database}; stop it, or give this one its "
            "own database with --db"
        ) from None
    except OSError as exc:
        raise StartupError(f"cannot lock {lock.lock_file}: {exc.strerror or exc}") from None
    try:
        sock = _listen(config.host, config.port)
        open_files = connections.raise_open_file_limit()
        bound = connections.Connections(connections.connection_limit(open_files))
        app = build(config, bound)
        log.info("at most %d connections at once (%d open files)", bound.limit, open_files)
        _run(app, sock, bound, config.read_timeout)
    finally:
        lock.release()
    _exit_even_if_app_threads_linger()


def _run(app: web.Application, sock: socket.socket, bound: connections.Connections, read_timeout: float) -> None:
    """Serve ``app`` on ``sock`` until SIGINT or SIGTERM as ``web.run_app`` does, with bounded connections.

    An idle connection (also one whose request head has not arrived whole) is closed after ``read_timeout``.
    Unlike ``asyncio.run``, the end waits for no thread: a hung function must not keep a stopped host alive.
    """

    async def serve_until_stopped() -> None:
        runner = web.AppRunner(
            app,
            handle_signals=True,
            shutdown_timeout=HTTP_SHUTDOWN_SECONDS,
            access_log=None,
            keepalive_timeout=read_timeout,
            auto_decompress=False,
            **refusals.LIMITS,
        )
        await runner.setup()
        try:
            await connections.BoundedSite(runner, sock, bound).start()
            await asyncio.Event().wait()  # until a signal raises GracefulExit
        finally:
            await runner.cleanup()

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    main = loop.create_task(serve_until_stopped())
    try:
        loop.run_until_complete(main)
    except (web.GracefulExit, KeyboardInterrupt):
        pass
    finally:
        main.cancel()  # the runner's cleanup runs now
        rest = asyncio.all_tasks(loop)
        for task in rest:
            task.cancel()
        loop.run_until_complete(asyncio.gather(main, *rest, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def build(config: HostConfig, bound: connections.Connections) -> web.Application:
    root = config.root.resolve()
    try:
        settings = apply_local_settings(root)
        _announce_own_address(config)
        index = _load_app(config.app_module, root)
        durable = host_config.load(root)
        store = Store(str(config.database))
    except (LocalSettingsError, host_config.HostConfigError) as exc:
        raise StartupError(str(exc)) from exc
    except (sqlite3.Error, StoreError) as exc:
        raise StartupError(f"cannot open the database {config.database}: {exc}") from exc
    _log_functions(config.app_module, index)
    engine = Engine(store, index, durable)
    rpc_host = "127.0.0.1" if config.host in ("", "0.0.0.0", "::") else config.host
    rpc_base = f"http://{_url_host(rpc_host)}:{config.port}{durable_api.RPC_PREFIX}/"
    refuse_foreign = guard.middleware(
        guard.Guard.create(config.host, config.allowed_hosts, settings.cors, settings.cors_credentials)
    )

    # Synchronous HTTP functions and long reads run off the event loop, on daemon threads: a hung
    # function never keeps a stopped host alive, and a long read never holds up other requests.
    pool = DaemonPool(HTTP_WORKERS, "devhost-http")
    read_in_time = connections.read_deadline(config.read_timeout, MAX_REQUEST_BODY, bound)
    app = web.Application(
        middlewares=[access_log, refuse_foreign, json_errors, read_in_time],
        client_max_size=MAX_REQUEST_BODY,
    )
    app.add_subapp(durable_api.PUBLIC_PREFIX, durable_api.build(engine, rpc=False, pool=pool))
    app.add_subapp(durable_api.RPC_PREFIX, durable_api.build(engine, rpc=True, pool=pool))
    app.add_subapp("/api", http_functions.build(index, rpc_base, pool, store))
    app.add_subapp("/dashboard", dashboard.build(engine, pool))
    mcp_endpoint.mount(app, index, rpc_base, root)
    base = f"http://{_url_host(config.host)}:{config.port}"
    log.info("dashboard: %s/dashboard", base)

    async def on_startup(_: web.Application) -> None:
        engine.start()
        log.info("database %s; serving %s/api/", config.database, base)

    async def on_cleanup(_: web.Application) -> None:
        engine.stop()
        pool.shutdown(wait=False, cancel_futures=True)
        store.close()
        log.info("stopped")

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app


def _load_app(module: str, root: Path) -> app_index.FunctionIndex:
    try:
        return app_index.load(module, root)
    except app_index.AppLoadError as exc:
        raise StartupError(str(exc)) from exc
    except (Exception, SystemExit) as exc:  # the app's own import failed: its settings, a syntax error, ...
        raise StartupError(f"cannot load the app '{module}': {describe(exc)}{where(exc, root)}") from exc


def _log_functions(module: str, index: app_index.FunctionIndex) -> None:
    log.info(
        "loaded %s: %d http, %d orchestrator, %d activity, %d entity function(s)",
        module,
        len(index.http),
        len(index.orchestrators),
        len(index.activities),
        len(index.entities),
    )
    runs = ", ".join(app_index.INDEXERS)
    for function in index.unsupported:
        log.warning(
            "function '%s' (%s) does not run on the local host, which runs %s functions; it runs in Azure",
            function.name,
            function.trigger,
            runs,
        )


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before the app loads so a busy port is told at once."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
        return sock
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(
                f"port {port} on {host} is already in use (another local host, or func start?); "
                "stop it or choose another port with --port"
            ) from None
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _announce_own_address(config: HostConfig) -> None:
    """Tell the app where it is served, before it loads (it reads its settings at import)."""
    # As Core Tools does: the app finds its own address (for links in mail) in WEBSITE_HOSTNAME.
    wildcard = config.host in ("", "0.0.0.0", "::")
    os.environ["WEBSITE_HOSTNAME"] = f"{'localhost' if wildcard else _url_host(config.host)}:{config.port}"


def _exit_even_if_app_threads_linger() -> None:
    """A thread the app started (not daemon) would keep a stopped host alive: exit after a grace period."""

    def exit_now() -> None:
        logging.shutdown()
        os._exit(0)

    timer = threading.Timer(EXIT_GRACE_SECONDS, exit_now)
    timer.daemon = True
    timer.start()
