"""Serve the app's HTTP-triggered functions under ``/api``, as the Functions host does.

Async handlers run on the server's event loop (the SDK's durable client keeps one aiohttp session
bound to the loop that first used it); sync handlers run in a worker thread. A function that fails
while the store refuses reads or writes failed because its durable client was refused: that is a 503,
as for the Durable HTTP API, not the 500 of a function's own error.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

import azure.functions as func
from aiohttp import web
from azure.functions.http import HttpResponseConverter
from multidict import CIMultiDict

from ..app.app_index import FunctionIndex, HttpFunction, is_async
from ..runtime.workers import DaemonPool
from ..store.event_store import Store
from .durable_api import caller_base_url, client_binding
from .errors import error, unavailable

log = logging.getLogger("devhost.http")
API_PREFIX = "/api/"
_INDEX = web.AppKey("index", FunctionIndex)
_RPC_BASE = web.AppKey("rpc_base", str)
_POOL = web.AppKey("pool", DaemonPool)
_STORE = web.AppKey("store", Store)


def to_function_request(request: web.Request, body: bytes, route_params: dict[str, str]) -> func.HttpRequest:
    return func.HttpRequest(
        method=request.method,
        url=str(request.url),
        # The Functions host hands a repeated header to the worker once, its values joined by commas.
        headers={name: ", ".join(request.headers.getall(name)) for name in request.headers},
        params=dict(request.query),
        route_params=route_params,
        body=body,
    )


def to_web_response(result: Any) -> web.Response:
    """The function's return value as the Functions host answers it.

    An ``HttpResponse`` goes through the converter the Python worker uses, so headers (a ``Content-Type``
    given in ``headers`` included), the mimetype and charset and ``Set-Cookie`` come out as they do in Azure.
    """
    if isinstance(result, func.HttpResponse):
        encoded = HttpResponseConverter.encode(result, expected_type=None).value
        headers = CIMultiDict((name, datum.value) for name, datum in encoded["headers"].items())
        for cookie in encoded["cookies"] or []:
            for morsel in cookie.values():
                headers.add("Set-Cookie", morsel.OutputString())
        return web.Response(body=encoded["body"].value, status=int(encoded["status_code"].value), headers=headers)
    if result is None:
        return web.Response(status=204)
    if isinstance(result, (dict, list)):
        return web.json_response(result)
    return web.Response(text=str(result))


async def invoke(function: HttpFunction, kwargs: dict[str, Any], pool: DaemonPool) -> Any:
    if is_async(function.handler):
        return await function.handler(**kwargs)
    return await pool.run(functools.partial(function.handler, **kwargs))


async def dispatch(request: web.Request) -> web.Response:
    index = request.app[_INDEX]
    path = request.path[len(API_PREFIX) :]
    found = index.route(request.method, path)
    if found is None:
        allowed = any(f.pattern.fullmatch(path) for f in index.http)
        if allowed:
            return error(405, f"{request.method} is not allowed on /api/{path}")
        return error(404, f"no function serves /api/{path}")
    function, route_params = found
    kwargs: dict[str, Any] = {function.request_param: to_function_request(request, await request.read(), route_params)}
    if function.client_param:
        binding = client_binding(caller_base_url(request), request.app[_RPC_BASE])
        kwargs[function.client_param] = json.dumps(binding)
    store = request.app[_STORE]
    refusals = store.refusals
    try:
        return to_web_response(await invoke(function, kwargs, request.app[_POOL]))
    except Exception as exc:
        if store.refusals != refusals:
            log.warning("function %s failed while the store refused reads or writes: %s", function.name, exc)
            return unavailable(f"the local store is unavailable: function '{function.name}' failed meanwhile: {exc}")
        log.exception("function %s failed", function.name)  # the Functions host answers it with a bare 500
        return error(500, f"function '{function.name}' failed: {exc}")


def build(index: FunctionIndex, rpc_base_url: str, pool: DaemonPool, store: Store) -> web.Application:
    """``pool`` runs the synchronous functions; ``store`` tells whether it refused work while one ran."""
    app = web.Application()
    app[_INDEX] = index
    app[_RPC_BASE] = rpc_base_url
    app[_POOL] = pool
    app[_STORE] = store
    app.router.add_route("*", "/{tail:.*}", dispatch)
    return app
