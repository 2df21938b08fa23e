"""The Durable Functions HTTP API: public webhooks and the RPC flavour the Python SDK's client calls.

Both speak the same routes and status codes; they differ in how a request body carries its payload
(the SDK JSON-encodes the payload a second time) and in how an unknown orchestrator is reported.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler

from ..runtime.engine import Engine, UnknownFunction
from ..runtime.limits import LimitExceeded
from ..runtime.workers import DaemonPool
from ..store import events as ev
from ..store.event_store import RUNTIME_STATUSES, TERMINAL, Instance, Store
from .errors import ApiError, error, json_body, whole_number

PUBLIC_PREFIX = "/runtime/webhooks/durabletask"
RPC_PREFIX = "/durabletask"
MAX_TOP = 1000  # instances one list request returns at most
MAX_WAIT_SECONDS = 3600  # the longest a start or restart request may wait for its instance to finish


def task_hub() -> str:
    """The hub name the app configures (``%TASKHUB_NAME%`` in host.json); read late, after local settings."""
    return os.environ.get("TASKHUB_NAME") or "default"


_ENGINE = web.AppKey("engine", Engine)
_RPC = web.AppKey("rpc", bool)
_POOL = web.AppKey("pool", DaemonPool)


def argument_error(request: web.Request, message: str) -> web.Response:
    """A 400 for an argument Azure refuses; the RPC flavour in the extension's shape, which the SDK reads."""
    if request.app[_RPC]:
        body = {"Message": "One or more of the arguments submitted is incorrect", "ExceptionMessage": message}
        return web.json_response(body, status=400)
    return error(400, message)


@web.middleware
async def refused_arguments(request: web.Request, handler: Handler) -> web.StreamResponse:
    """What Azure refuses, in the shape each API answers it; an unknown function is a 404 on the public API."""
    try:
        return await handler(request)
    except LimitExceeded as exc:
        return argument_error(request, str(exc))
    except UnknownFunction as exc:
        return argument_error(request, str(exc)) if request.app[_RPC] else error(404, str(exc))


def management_urls(base_url: str, instance_id: str) -> dict[str, str]:
    """The URLs a check-status response lists, as the Durable extension formats them."""
    root = f"{base_url}{PUBLIC_PREFIX}/instances/{quote(instance_id, safe='')}"
    query = f"taskHub={task_hub()}&connection=Storage"
    return {
        "id": instance_id,
        "statusQueryGetUri": f"{root}?{query}",
        "sendEventPostUri": f"{root}/raiseEvent/{{eventName}}?{query}",
        "terminatePostUri": f"{root}/terminate?reason={{text}}&{query}",
        "rewindPostUri": f"{root}/rewind?reason={{text}}&{query}",
        "purgeHistoryDeleteUri": f"{root}?{query}",
        "restartPostUri": f"{root}/restart?{query}",
        "suspendPostUri": f"{root}/suspend?reason={{text}}&{query}",
        "resumePostUri": f"{root}/resume?reason={{text}}&{query}",
    }


def client_binding(base_url: str, rpc_base_url: str) -> dict[str, Any]:
    """The JSON the host hands to a ``durable_client_input`` parameter."""
    urls = management_urls(base_url, "INSTANCEID")
    del urls["id"]
    start = f"{base_url}{PUBLIC_PREFIX}/orchestrators/{{functionName}}[/{{instanceId}}]"
    return {
        "taskHubName": task_hub(),
        "creationUrls": {
            "createNewInstancePostUri": start,
            "createAndWaitOnNewInstancePostUri": f"{start}?timeout={{timeoutInSeconds}}&pollingInterval={{intervalInSeconds}}",
        },
        "managementUrls": {"id": "INSTANCEID", **urls},
        "baseUrl": f"{base_url}{PUBLIC_PREFIX}",
        "requiredQueryStringParameters": "",
        "rpcBaseUrl": rpc_base_url,
    }


def status_json(instance: Instance, history: list[dict[str, Any]] | None, show_input: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": instance.name,
        "instanceId": instance.id,
        "runtimeStatus": instance.status,
        "input": _parse(instance.input) if show_input else None,
        "customStatus": _parse(instance.custom_status),
        "output": _parse(instance.output),
        "createdTime": ev.timestamp(instance.created)[:19] + "Z",
        "lastUpdatedTime": ev.timestamp(instance.updated)[:19] + "Z",
    }
    if history is not None:
        body["historyEvents"] = [_readable_event(e) for e in history]
    return body


def _readable_event(event: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in event.items() if k not in ("IsPlayed",)}
    out["EventType"] = ev.EventType(event["EventType"]).name.title().replace("_", "")
    for key in ("Input", "Result"):
        if isinstance(out.get(key), str):
            out[key] = _parse(out[key])
    return out


def _parse(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


async def _payload(request: web.Request) -> str | None:
    """The request's payload as JSON text (``None`` when empty); ApiError for a body that cannot be read."""
    value = await json_body(request)
    if value is ...:
        return None
    if request.app[_RPC]:  # the SDK encodes the payload a second time
        return value if isinstance(value, str) or value is None else json.dumps(value)
    return json.dumps(value)


def _find_instance(request: web.Request) -> Instance:
    """The instance the route names; a 404 JSON error when there is none."""
    instance_id = request.match_info["instance_id"]
    instance = request.app[_ENGINE].store.instance(instance_id)
    if instance is None:
        raise ApiError(404, f"no instance with ID '{instance_id}'")
    return instance


def caller_base_url(request: web.Request) -> str:
    """Scheme and host the caller used, for URLs handed back to it."""
    return f"{request.scheme}://{request.host}"


async def start(request: web.Request) -> web.Response:
    engine = request.app[_ENGINE]
    name = request.match_info["name"]
    instance_id = request.match_info.get("instance_id") or uuid.uuid4().hex
    input_json = await _payload(request)
    wait = _Wait.from_query(request.query)
    existing = engine.store.instance(instance_id)
    if existing is not None and not existing.is_terminal:
        return error(409, f"an instance with ID '{instance_id}' already exists and is {existing.status}")
    engine.start_orchestration(name, instance_id, input_json, request.query.get("version"))
    return await _check_status_or_wait(request, instance_id, wait)


@dataclass(frozen=True)
class _Wait:
    """``timeout`` and ``pollingInterval`` (seconds) of a start or restart that waits for the instance."""

    timeout: float | None
    interval: float | None

    @staticmethod
    def from_query(query: Mapping[str, str]) -> _Wait:
        return _Wait(_seconds(query, "timeout"), _seconds(query, "pollingInterval"))


async def _check_status_or_wait(request: web.Request, instance_id: str, wait: _Wait) -> web.Response:
    """202 with the management URLs; when asked to wait, the output of an instance that completes in time
    (``createAndWaitOnNewInstancePostUri``), or the status of one that failed or was terminated."""
    if wait.timeout is not None and wait.interval is not None:
        store = request.app[_ENGINE].store
        deadline = time.monotonic() + wait.timeout
        while (instance := store.instance(instance_id)) is not None and not instance.is_terminal:
            if time.monotonic() >= deadline:
                break
            await asyncio.sleep(min(max(wait.interval, 0.05), max(0.0, deadline - time.monotonic())))
        if instance is not None and instance.status == "Completed":
            return web.json_response(_parse(instance.output))
        if instance is not None and instance.is_terminal:
            return web.json_response(status_json(instance, None, True))
    urls = management_urls(caller_base_url(request), instance_id)
    return web.json_response(urls, status=202, headers={"Location": urls["statusQueryGetUri"]})


def _seconds(query: Mapping[str, str], name: str) -> float | None:
    text = query.get(name)
    if text is None:
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_WAIT_SECONDS:
        raise ApiError(400, f"{name} must be a number of seconds from 0 to {MAX_WAIT_SECONDS}")
    return seconds


async def get_status(request: web.Request) -> web.Response:
    store = request.app[_ENGINE].store
    instance = _find_instance(request)
    show_history = request.query.get("showHistory", "false").lower() == "true"
    show_input = request.query.get("showInput", "true").lower() != "false"
    history = await request.app[_POOL].run(store.history, instance.id) if show_history else None
    body = status_json(instance, history, show_input)
    code = 200 if instance.is_terminal else 202
    headers = {} if instance.is_terminal else {"Location": str(request.url), "Retry-After": "1"}
    return web.json_response(body, status=code, headers=headers)


@dataclass(frozen=True)
class InstanceFilter:
    """The instance query parameters the list and bulk purge APIs share."""

    statuses: list[str] | None
    created_from: float | None
    created_to: float | None

    @staticmethod
    def from_query(query: Mapping[str, str]) -> InstanceFilter:
        statuses = [s.strip() for s in query.get("runtimeStatus", "").split(",") if s.strip()]
        unknown = set(statuses) - set(RUNTIME_STATUSES)
        if unknown:
            shown = sorted(status[:40] for status in unknown)
            raise ApiError(400, f"unknown runtimeStatus {shown}; use {', '.join(RUNTIME_STATUSES)}")
        return InstanceFilter(statuses or None, _time(query, "createdTimeFrom"), _time(query, "createdTimeTo"))


async def list_instances(request: web.Request) -> web.Response:
    query = request.query
    found = InstanceFilter.from_query(query)
    top = whole_number(query.get("top", str(MAX_TOP)), "top", 1, MAX_TOP)
    show_input = query.get("showInput", "false").lower() == "true"
    store = request.app[_ENGINE].store

    def listing() -> str:
        instances = store.instances(
            statuses=found.statuses,
            name=query.get("name") or None,
            prefix=query.get("instanceIdPrefix") or None,
            created_from=found.created_from,
            created_to=found.created_to,
            limit=top,
        )
        return json.dumps([status_json(i, None, show_input) for i in instances])

    return web.Response(text=await request.app[_POOL].run(listing), content_type="application/json")


def _time(query: Mapping[str, str], name: str) -> float | None:
    text = query.get(name)
    if not text:
        return None
    try:
        return ev.parse_timestamp(text)
    except (ValueError, OverflowError):
        raise ApiError(400, f"{name} must be an ISO 8601 time, not '{text[:40]}'") from None


async def raise_event(request: web.Request) -> web.Response:
    engine = request.app[_ENGINE]
    instance = _find_instance(request)
    if instance.is_terminal:
        return error(410, f"instance '{instance.id}' is {instance.status}")
    engine.raise_event(instance.id, request.match_info["event_name"], await _payload(request))
    return web.json_response({}, status=202)


async def control(request: web.Request) -> web.Response:
    """terminate, suspend, resume, rewind; restart."""
    engine = request.app[_ENGINE]
    verb = request.match_info["verb"]
    if verb == "restart":
        return await restart(request)
    if verb not in ("terminate", "suspend", "resume", "rewind"):
        return error(404, f"no instance operation '{verb[:40]}': use terminate, suspend, resume, rewind or restart")
    instance = _find_instance(request)
    reason = request.query.get("reason", "")
    if verb == "rewind":
        if instance.status != "Failed":  # the extension's wording, which the SDK's rewind() raises on a 410
            status = 410 if instance.is_terminal else 409
            return error(status, "The rewind operation is only supported on failed orchestration instances.")
        engine.rewind(instance.id, reason)
    elif instance.is_terminal:
        return error(410, f"instance '{instance.id}' is {instance.status}")
    elif verb == "terminate":
        engine.terminate(instance.id, reason)
    else:
        engine.set_suspended(instance.id, verb == "suspend")
    return web.json_response({}, status=202)


async def restart(request: web.Request) -> web.Response:
    """A new run of the instance's orchestrator with its original input, under a new instance id unless
    ``restartWithNewInstanceId=false`` (then the instance itself, which must have ended)."""
    engine = request.app[_ENGINE]
    instance = _find_instance(request)
    wait = _Wait.from_query(request.query)
    new_id = request.query.get("restartWithNewInstanceId", "true").lower() != "false"
    instance_id = uuid.uuid4().hex if new_id else instance.id
    if not new_id and not instance.is_terminal:
        return error(409, f"instance '{instance.id}' is {instance.status}; restart it with a new instance id")
    engine.start_orchestration(instance.name, instance_id, instance.input)
    if request.app[_RPC]:  # the SDK's restart() returns the body as the new instance id
        return web.json_response(instance_id, status=202)
    return await _check_status_or_wait(request, instance_id, wait)


async def purge(request: web.Request) -> web.Response:
    engine = request.app[_ENGINE]
    instance = _find_instance(request)
    if not instance.is_terminal:
        return error(409, f"instance '{instance.id}' is {instance.status}; only ended instances can be purged")
    with engine.store.transaction() as tx:
        deleted = tx.purge(instance.id)
    return web.json_response({"instancesDeleted": deleted})


async def purge_matching(request: web.Request) -> web.Response:
    """Purge the ended instances created in a time range (``createdTimeFrom`` required, as in the
    extension), optionally of some runtime statuses; 404 when none matched."""
    found = InstanceFilter.from_query(request.query)
    if found.created_from is None:
        return error(400, "Please provide value for 'createdTimeFrom' parameter.")
    running = set(found.statuses or ()) - set(TERMINAL)
    if running:
        return error(400, f"only ended instances can be purged, not {', '.join(sorted(running))} ones")
    with request.app[_ENGINE].store.transaction() as tx:
        deleted = tx.purge_matching(
            list(found.statuses or TERMINAL), found.created_from, found.created_to or time.time()
        )
    if not deleted:
        return error(404, "no ended instance matches")
    return web.json_response({"instancesDeleted": deleted})


def _entity_id(request: web.Request) -> str:
    return f"@{request.match_info['entity_name'].lower()}@{request.match_info['entity_key']}"


async def read_entity(request: web.Request) -> web.Response:
    row = request.app[_ENGINE].store.entity(_entity_id(request))
    if row is None:
        return error(404, f"no entity '{_entity_id(request)}'")
    return web.Response(text=row["state"], content_type="application/json")


async def signal_entity(request: web.Request) -> web.Response:
    operation = request.query.get("op", "")
    if not operation:
        return error(400, "the 'op' query parameter names the operation to signal")
    request.app[_ENGINE].signal_entity(_entity_id(request), operation, await _payload(request))
    return web.json_response({}, status=202)


async def list_entities(request: web.Request) -> web.Response:
    name = request.match_info.get("entity_name", "").lower()
    store: Store = request.app[_ENGINE].store
    rows = store.query(
        "SELECT name, key, state, updated FROM entities WHERE ? = '' OR name = ? ORDER BY updated DESC", (name, name)
    )
    return web.json_response(
        [
            {
                "entityId": {"name": r["name"], "key": r["key"]},
                "lastOperationTime": ev.timestamp(r["updated"]),
                "state": _parse(r["state"]),
            }
            for r in rows
        ]
    )


def build(engine: Engine, rpc: bool, pool: DaemonPool) -> web.Application:
    """``pool`` runs the long reads (instance lists, histories)."""
    app = web.Application(middlewares=[refused_arguments])
    app[_ENGINE] = engine
    app[_RPC] = rpc
    app[_POOL] = pool
    app.router.add_post("/orchestrators/{name}", start)
    app.router.add_post("/orchestrators/{name}/{instance_id}", start)
    app.router.add_get("/instances", list_instances)
    app.router.add_get("/instances/", list_instances)
    app.router.add_delete("/instances", purge_matching)
    app.router.add_delete("/instances/", purge_matching)
    app.router.add_get("/instances/{instance_id}", get_status)
    app.router.add_delete("/instances/{instance_id}", purge)
    app.router.add_post("/instances/{instance_id}/raiseEvent/{event_name}", raise_event)
    app.router.add_post("/instances/{instance_id}/{verb}", control)
    app.router.add_get("/entities", list_entities)
    app.router.add_get("/entities/", list_entities)
    app.router.add_get("/entities/{entity_name}", list_entities)
    app.router.add_get("/entities/{entity_name}/{entity_key}", read_entity)
    app.router.add_post("/entities/{entity_name}/{entity_key}", signal_entity)
    return app
