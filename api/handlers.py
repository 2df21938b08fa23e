"""What the HTTP routes and the MCP tools do, as plain async functions of the durable client.

Kept apart from the route and tool decorators (api/routes.py, api/mcp_tools.py) so that both
front doors share one set of rules, and so they can be called directly. Every HTTP handler
answers JSON; a bad body is a 400 naming the bad fields, never a 500.
"""

from __future__ import annotations

import logging
from typing import Any

import azure.durable_functions as df
import azure.functions as func
from pydantic import BaseModel

from api.http import BadRequest, api_root, error_response, instance_id_param, json_response, parse_body
from orchestrations.content_approval import AWAITING_APPROVAL, DRAFTING, content_approval_workflow
from orchestrations.inputs import APPROVAL_EVENT, ApprovalDecision

logger = logging.getLogger(__name__)

CONTENT_FLOW = content_approval_workflow.__name__
WAITING_STATES = (df.OrchestrationRuntimeStatus.Running, df.OrchestrationRuntimeStatus.Pending)


class Refused(Exception):
    """The request was valid but cannot be served: 404 unknown instance, 409 not in a state to take it."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


async def start(client: df.DurableOrchestrationClient, flow: str, flow_input: dict[str, Any], root: str | None) -> str:
    """Start `flow` on validated input and return its instance id.

    `root` is the API root the flow was started from; the content workflow points the reviewer's
    decision link there (None: the app's public address, see settings.public_api_root).
    """
    if flow == CONTENT_FLOW:
        flow_input = {**flow_input, "api_root": root}
    instance_id = await client.start_new(flow, client_input=flow_input)
    logger.info("Started %s instance %s", flow, instance_id)
    return instance_id


async def decide(client: df.DurableOrchestrationClient, instance_id: str, decision: ApprovalDecision) -> dict[str, Any]:
    """Raise ApprovalDecision on a content workflow that awaits approval; Refused (404/409) otherwise."""
    status = await client.get_status(instance_id)
    if not status:
        raise Refused(f"No orchestration instance {instance_id!r}", 404)
    if status.name != CONTENT_FLOW:
        raise Refused(f"Instance {instance_id!r} is a {status.name}, not a {CONTENT_FLOW}", 409)
    if status.runtime_status not in WAITING_STATES:
        state = status.runtime_status.value if status.runtime_status else "unknown"
        raise Refused(f"Instance {instance_id!r} is {state} and no longer waits for a decision", 409)
    stage = status.custom_status.get("stage") if isinstance(status.custom_status, dict) else None
    if stage != AWAITING_APPROVAL:
        reason = "still drafting" if stage in (None, DRAFTING) else f"already decided: {stage}"
        raise Refused(f"Instance {instance_id!r} does not await approval: {reason}", 409)
    try:
        await client.raise_event(instance_id, APPROVAL_EVENT, decision.model_dump())
    except Exception as error:  # the SDK reports the extension's 404/410 as a bare Exception
        if "is gone" in str(error):
            raise Refused(f"Instance {instance_id!r} finished before the decision arrived", 409) from None
        if "No instance" in str(error):
            raise Refused(f"No orchestration instance {instance_id!r}", 404) from None
        raise
    logger.info("Delivered %s to %s: approved=%s", APPROVAL_EVENT, instance_id, decision.approved)
    return {"id": instance_id, "delivered": True, "event": APPROVAL_EVENT, **decision.model_dump()}


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
        flow_input = parse_body(req, model).model_dump(mode="json")
    except BadRequest as error:
        return error_response(str(error), 400, error.details)
    root = api_root(req, route)
    instance_id = await start(client, flow, flow_input, root)
    body: dict[str, Any] = {
        **client.create_http_management_payload(instance_id),
        "id": instance_id,
        "name": flow,
        "statusUrl": f"{root}/orchestrations/{instance_id}",
    }
    if flow == CONTENT_FLOW:
        body["decisionUrl"] = f"{root}/content/{instance_id}/decision"
    return json_response(body, 202, headers={"Location": body["statusUrl"]})


async def deliver_decision(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """POST /api/content/{id}/decision: 202 delivered, 400 bad body or id, 404 unknown, 409 anything else."""
    try:
        return json_response(await decide(client, instance_id_param(req), parse_body(req, ApprovalDecision)), 202)
    except BadRequest as error:
        return error_response(str(error), 400, error.details)
    except Refused as refused:
        return error_response(str(refused), refused.status_code)


async def orchestration_status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """GET /api/orchestrations/{id}: 200 with the status, 400 bad id, 404 unknown."""
    try:
        return json_response(await read_status(client, instance_id_param(req)))
    except BadRequest as error:
        return error_response(str(error), 400, error.details)
    except Refused as refused:
        return error_response(str(refused), refused.status_code)
