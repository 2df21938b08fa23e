"""Orchestration versioning as the official sample uses it: ``defaultVersion`` in host.json, a version passed
to ``start_new`` and to ``call_sub_orchestrator``, ``context.version`` and ``context.parent_instance_id``."""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

myApp = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@myApp.route(route="orchestrators/{functionName}", methods=["POST"])
@myApp.durable_client_input(client_name="client")
async def http_start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    version = req.params.get("version")
    instance_id = await client.start_new(req.route_params["functionName"], version=version)
    return client.create_check_status_response(req, instance_id)


@myApp.orchestration_trigger(context_name="context")
def versioned(context: df.DurableOrchestrationContext):
    # The legacy path for instances created while defaultVersion was 1.0, the new one after.
    greeting = yield context.call_activity("old_greeting" if context.version == "1.0" else "new_greeting")
    yield context.wait_for_external_event("Continue")
    explicit = yield context.call_sub_orchestrator("child", version="0.9")
    default = yield context.call_sub_orchestrator("child")
    return {"version": context.version, "greeting": greeting, "children": [explicit, default]}


@myApp.orchestration_trigger(context_name="context")
def child(context: df.DurableOrchestrationContext):
    return {"version": context.version, "parent": context.parent_instance_id}


@myApp.activity_trigger(input_name="ignored")
def old_greeting(ignored: None) -> str:
    return "Hello from A"


@myApp.activity_trigger(input_name="ignored")
def new_greeting(ignored: None) -> str:
    return "Hello from B"
