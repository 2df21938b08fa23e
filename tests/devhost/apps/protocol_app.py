"""A small app exercising each durable feature the local host must support, one orchestrator each."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
SCRATCH = Path(os.environ.get("PROTOCOL_SCRATCH", "/tmp"))


# -- HTTP functions: route templates, methods, sync and async ------------------------------------


@app.route(route="items/{id:int}", methods=["GET"])
def item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        f'{{"id": {req.route_params["id"]}, "q": "{req.params.get("q", "")}"}}', mimetype="application/json"
    )


@app.route(route="files/{*path}", methods=["GET"])
async def files(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.route_params.get("path", ""))


@app.route(route="greet/{name?}", methods=["GET", "POST"])
def greet(req: func.HttpRequest) -> func.HttpResponse:
    who = req.route_params.get("name") or (req.get_body().decode() or "nobody")
    return func.HttpResponse(f"hello {who} via {req.method} ({req.headers.get('x-probe', '-')})")


@app.route(route="start/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    body = req.get_body()
    instance_id = await client.start_new(
        req.route_params["name"], req.params.get("id"), req.get_json() if body else None
    )
    return client.create_check_status_response(req, instance_id)


@app.route(route="status/{instance_id}", methods=["GET"])
@app.durable_client_input(client_name="client")
async def status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    found = await client.get_status(req.route_params["instance_id"])
    runtime = found.runtime_status.value if found.runtime_status else None
    return func.HttpResponse(f'{{"runtimeStatus": "{runtime}"}}', mimetype="application/json")


@app.route(route="restart/{instance_id}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def restart(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    new_id = await client.restart(req.route_params["instance_id"], req.params.get("new_id") != "false")
    return func.HttpResponse(json.dumps({"id": new_id}), mimetype="application/json")


@app.route(route="purge-failed-since", methods=["POST"])
@app.durable_client_input(client_name="client")
async def purge_failed_since(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    since = dt.datetime.fromisoformat(req.get_body().decode())
    result = await client.purge_instance_history_by(since, None, [df.OrchestrationRuntimeStatus.Failed])
    return func.HttpResponse(json.dumps({"deleted": result.instances_deleted}), mimetype="application/json")


# -- activities ---------------------------------------------------------------------------------


@app.activity_trigger(input_name="value")
def double(value: int) -> int:
    return value * 2


@app.activity_trigger(input_name="name")
def flaky(name: str) -> str:
    """Fails twice per name, then succeeds: counts attempts in a file so retries are visible."""
    counter = SCRATCH / f"flaky-{name}"
    attempts = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(attempts))
    if attempts < 3:
        raise RuntimeError(f"attempt {attempts} failed")
    return f"{name} ok after {attempts}"


@app.activity_trigger(input_name="path")
def append_line(path: str) -> int:
    """A side effect with a visible count: how many times it really ran."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("ran\n")
    return len(Path(path).read_text().splitlines())


# -- orchestrators --------------------------------------------------------------------------


@app.orchestration_trigger(context_name="context")
def sequence(context: df.DurableOrchestrationContext):
    value = context.get_input() or 1
    for _ in range(5):
        value = yield context.call_activity("double", value)
    return value


@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext):
    values = yield context.task_all([context.call_activity("double", i) for i in range(context.get_input())])
    return sum(values)


@app.orchestration_trigger(context_name="context")
def race(context: df.DurableOrchestrationContext):
    seconds = context.get_input()
    timer = context.create_timer(context.current_utc_datetime + dt.timedelta(seconds=seconds))
    event = context.wait_for_external_event("Go")
    context.set_custom_status({"waiting_for": "Go"})
    winner = yield context.task_any([timer, event])
    if winner == event:
        timer.cancel()
        return {"winner": "event", "value": event.result}
    return {"winner": "timer"}


@app.orchestration_trigger(context_name="context")
def early_event(context: df.DurableOrchestrationContext):
    yield context.call_activity("double", 1)
    yield context.create_timer(context.current_utc_datetime + dt.timedelta(seconds=1))
    value = yield context.wait_for_external_event("Early")
    return value


@app.orchestration_trigger(context_name="context")
def with_retry(context: df.DurableOrchestrationContext):
    options = df.RetryOptions(first_retry_interval_in_milliseconds=100, max_number_of_attempts=3)
    first = yield context.call_activity_with_retry("flaky", options, context.get_input())
    after = yield context.call_activity("double", 21)
    return [first, after]


@app.orchestration_trigger(context_name="context")
def too_few_retries(context: df.DurableOrchestrationContext):
    """`flaky` needs three attempts; this allows two, so the task fails."""
    options = df.RetryOptions(first_retry_interval_in_milliseconds=100, max_number_of_attempts=2)
    return (yield context.call_activity_with_retry("flaky", options, context.get_input()))


@app.orchestration_trigger(context_name="context")
def parent(context: df.DurableOrchestrationContext):
    child = yield context.call_sub_orchestrator("sequence", 3)
    return {"child": child}


@app.orchestration_trigger(context_name="context")
def countdown(context: df.DurableOrchestrationContext):
    remaining = context.get_input()
    if remaining > 0:
        context.continue_as_new(remaining - 1)
        return None
    return "liftoff"


@app.orchestration_trigger(context_name="context")
def boom(context: df.DurableOrchestrationContext):
    yield context.call_activity("double", 1)
    raise ValueError("the orchestrator gave up on purpose")


@app.orchestration_trigger(context_name="context")
def entity_user(context: df.DurableOrchestrationContext):
    counter = df.EntityId("counter", context.get_input())
    context.signal_entity(counter, "add", 10)
    yield context.call_entity(counter, "add", 5)
    total = yield context.call_entity(counter, "get")
    return total


@app.orchestration_trigger(context_name="context")
def ghost_caller(context: df.DurableOrchestrationContext):
    result = yield context.call_entity(df.EntityId("ghost", "k"), "get")
    return result


@app.orchestration_trigger(context_name="context")
def drifting(context: df.DurableOrchestrationContext):
    """Schedules a different activity once DRIFT is set: replaying old history must then fail."""
    yield context.call_activity("flaky" if os.environ.get("DRIFT") else "double", 1)
    yield context.wait_for_external_event("Continue")
    return "done"


@app.orchestration_trigger(context_name="context")
def side_effects(context: df.DurableOrchestrationContext):
    """Runs a counted side effect, then sleeps; used to kill the host between steps."""
    path = context.get_input()
    first = yield context.call_activity("append_line", path)
    yield context.create_timer(context.current_utc_datetime + dt.timedelta(seconds=2))
    second = yield context.call_activity("append_line", path)
    return [first, second]


@app.entity_trigger(context_name="context")
def counter(context: df.DurableEntityContext) -> None:
    total = context.get_state(lambda: 0)
    if context.operation_name == "add":
        total += context.get_input()
        context.set_state(total)
    context.set_result(total)
