"""What the HTTP routes and the MCP tools do, as plain async functions of the durable client.

Kept apart from the route and tool decorators (api/http_routes.py, api/mcp_tools.py) so that both
front doors share one set of rules, and so they can be called directly. Every HTTP handler
answers JSON; a bad body is a 400 naming the bad fields, never a 500. The decision route has a
module of its own (api/decisions.py), and so has a caller's message to one agent (api/agent_runs.py).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import azure.durable_functions as df
import azure.functions as func
from pydantic import BaseModel

from activities.failures import SideEffectError
from activities.side_effects import draft_name
from activities.storage import open_store
from api.agent_runs import check_agent, run_agent, wait_for
from api.http import (
    BadRequest,
    Refused,
    api_root,
    draft_key_param,
    error_response,
    instance_id_param,
    json_response,
    parse_body,
)
from orchestrations.flow_names import CONTENT_FLOW
from orchestrations.inputs import AgentMessage
from settings import app_settings

logger = logging.getLogger(__name__)

MAX_FLOW_INPUT_BYTES = 900 * 1024


async def start(client: df.DurableOrchestrationClient, flow: str, flow_input: dict[str, Any]) -> str:
    """Start `flow` on validated input and return its instance id; BadRequest when the input is too large.

    The input travels as one Durable Task Scheduler message (at most 1 MiB) as the SDK encodes it, where
    non-ASCII text takes up to six bytes a character: measured that way, with room for the envelope.
    """
    encoded = len(json.dumps(flow_input).encode())
    if encoded > MAX_FLOW_INPUT_BYTES:
        message = f"is {encoded:,} bytes once encoded; a flow's input must stay under {MAX_FLOW_INPUT_BYTES:,} bytes"
        raise BadRequest("Request body too large for a durable flow", [{"field": "body", "message": message}])
    instance_id: str = await client.start_new(flow, client_input=flow_input)  # azure-functions-durable is untyped
    logger.info("Started %s instance %s", flow, instance_id)
    return instance_id


async def read_status(client: df.DurableOrchestrationClient, instance_id: str) -> dict[str, Any]:
    """Runtime status, custom status, input and output of any instance; Refused (404) when unknown."""
    status = await client.get_status(instance_id, show_input=True)
    if not status:
        raise Refused(f"No orchestration instance {instance_id!r}", 404)
    return {
        "id": status.instance_id or instance_id,
        "name": status.name,
        "runtimeStatus": status.runtime_status.value if status.runtime_status else None,
        "customStatus": status.custom_status,
        "output": status.output,
        "input": status.input_,
        "createdTime": status.created_time.isoformat() if status.created_time else None,
        "lastUpdatedTime": status.last_updated_time.isoformat() if status.last_updated_time else None,
    }


async def start_flow(
    req: func.HttpRequest, client: df.DurableOrchestrationClient, flow: str, model: type[BaseModel], route: str
) -> func.HttpResponse:
    """Validate the body with `model`, start `flow` and answer 202 with where to follow it."""
    try:
        flow_input = parse_body(req, model, app_settings().review).model_dump(mode="json")
    except BadRequest as error:
        return error_response(str(error), 400, error.details)
    root = api_root(req, route)  # only echoed to this caller; links in mail never come from a request
    try:
        instance_id = await start(client, flow, flow_input)
    except BadRequest as error:
        return error_response(str(error), 400, error.details)
    body: dict[str, Any] = {
        **client.create_http_management_payload(instance_id),
        "id": instance_id,
        "name": flow,
        "statusUrl": f"{root}/orchestrations/{instance_id}",
    }
    if flow == CONTENT_FLOW:
        body["decisionUrl"] = f"{root}/content/{instance_id}/decision"
    return json_response(body, 202, headers={"Location": body["statusUrl"]})


async def orchestration_status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """GET /api/orchestrations/{id}: 200 with the status, 400 bad id, 404 unknown."""
    try:
        return json_response(await read_status(client, instance_id_param(req)))
    except BadRequest as error:
        return error_response(str(error), 400, error.details)
    except Refused as refused:
        return refused.response()


def stored_draft(req: func.HttpRequest) -> func.HttpResponse:
    """The whole article behind a draft reference (`url` in the content workflow's custom status and output)."""
    try:
        instance_id, key = instance_id_param(req), draft_key_param(req)
    except BadRequest as error:
        return error_response(str(error), 400, error.details)
    try:
        data = open_store(app_settings().storage).get(draft_name(instance_id, key))
    except SideEffectError as error:
        return error_response(f"The draft store cannot be read now: {error}", 503)
    if data is None:
        return error_response(f"No draft {key} of instance {instance_id!r}", 404)
    return json_response(json.loads(data))


async def agent_message(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """POST /api/agents/{name}/run: 200 with the answer; 400 bad body; 404 unknown agent; 5xx the run failed."""
    try:
        agent = check_agent(req.route_params.get("name", ""))
        request = parse_body(req, AgentMessage)
        answer = await run_agent(client, agent, request, wait_for(app_settings().model.timeout_seconds))
    except BadRequest as error:
        return error_response(str(error), 400, error.details)
    except Refused as refused:
        return refused.response()
    return json_response(answer.body())
