"""The app's Model Context Protocol tools, served by the Functions MCP extension (MCP tool triggers).

SpamDetectionAgent is a tool of its own: it takes the email as `query` and answers the agent's
SpamVerdict JSON, through the same agent run as `POST /api/agents/<Name>/run` (api/agent_runs.py),
so a model that cannot answer is an error result naming why, and a caller's `sessionId` never
reaches a flow's conversation. The other tools start and follow the durable flows. A flow tool
never waits for the flow: it answers with the instance id at once, and `get_flow_status` reads
progress and result, so a review that takes days never holds a client.

Arguments are validated by the same models as the HTTP routes, and every refusal the HTTP API
answers with a 4xx or 5xx (bad argument, unknown instance, a review not awaiting a decision, an
agent that could not answer) is a tool result with `isError` and the reason, not a failed
invocation: the extension would hide the message of a failed one ("An error occurred invoking
..."). Results carry the JSON both as text and as `structuredContent` (the trigger's
`useResultSchema` envelope).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import azure.durable_functions as df
import mcp_types
from pydantic import BaseModel

from agents.catalog import SPAM_DESCRIPTION, SPAM_DETECTION
from api.agent_runs import run_agent, wait_for
from api.decisions import decide
from api.handlers import read_status, start
from api.http import BadRequest, Refused, check_instance_id, validate
from api.http_routes import blueprint
from orchestrations.flow_names import CONTENT_FLOW, RESEARCH_FLOW
from orchestrations.inputs import MAX_DEADLINE_HOURS, AgentMessage, ApprovalDecision, ContentInput, ResearchInput
from settings import app_settings

STATUS_TOOL = "get_flow_status"
DEADLINE_RANGE = (
    f"at least the app's REVIEW_MIN_DEADLINE_SECONDS (a minute unless set), at most {MAX_DEADLINE_HOURS:g} (four weeks)"
)
DECISION_TOOL = "submit_review_decision"


@dataclass(frozen=True)
class Prop:
    """One tool property, as the extension's `toolProperties` lists it (it builds the input schema)."""

    name: str
    type: str
    description: str
    required: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "propertyName": self.name,
            "propertyType": self.type,
            "description": self.description,
            "isRequired": self.required,
            "isArray": False,
        }


INSTANCE_ID = Prop("instance_id", "string", "The flow's instance id, as a start tool answered it.", required=True)
TOPIC = Prop("topic", "string", "What to write or research about (up to 500 characters).", required=True)


def mcp_tool(name: str, description: str, *props: Prop) -> Callable[[Callable[..., Any]], Any]:
    """Register a tool trigger named `name` with the durable client, answering with the result envelope."""

    def register(handler: Callable[..., Any]) -> Any:
        handler = blueprint.durable_client_input(client_name="client")(handler)
        handler = blueprint.mcp_tool_trigger(
            arg_name="context",
            tool_name=name,
            description=description,
            tool_properties=json.dumps([prop.as_json() for prop in props]),
            use_result_schema=True,
        )(handler)
        return blueprint.function_name(f"mcp_{name}")(handler)

    return register


async def answer(context: str, work: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]) -> str:
    """Run `work` on the call's arguments; a bad argument or a refusal becomes an error result naming why."""
    invocation = json.loads(context)
    arguments = invocation.get("arguments") if isinstance(invocation, dict) else None
    try:
        return tool_result(await work(arguments if isinstance(arguments, dict) else {}))
    except BadRequest as error:
        reasons = "; ".join(f"{detail['field']}: {detail['message']}" for detail in error.details)
        return tool_result({"error": f"{error} ({reasons})", "details": error.details}, is_error=True)
    except Refused as refused:
        return tool_result(refused.body(), is_error=True)


def tool_result(payload: dict[str, Any], is_error: bool = False) -> str:
    """A CallToolResult in the envelope the extension reads from a `useResultSchema` tool."""
    text = json.dumps(payload)
    result = mcp_types.CallToolResult(
        content=[mcp_types.TextContent(type="text", text=text)], structured_content=payload, is_error=is_error
    )
    content = result.model_dump_json(by_alias=True, exclude_unset=True)
    return json.dumps({"type": "call_tool_result", "content": content, "structuredContent": text})


async def started(
    client: df.DurableOrchestrationClient, flow: str, flow_input: BaseModel, next_step: str
) -> dict[str, Any]:
    instance_id = await start(client, flow, flow_input.model_dump(mode="json"))
    return {"id": instance_id, "name": flow, "runtimeStatus": "Pending", "next": next_step}


QUERY = Prop(
    "query",
    "string",
    "The email: From:, Subject:, a blank line, then the body; at most 200,000 bytes as JSON stores it (a non-ASCII "
    "character takes 6, a line break 2).",
    required=True,
)
SESSION = Prop(
    "sessionId",
    "string",
    "Optional: a conversation of yours to continue (letters, digits, _ . : -); one holds at most 1 MiB as stored.",
)
AGENT_ARGUMENTS = {QUERY.name: "message", SESSION.name: "session_id"}
"""The agent tool's argument names, as AgentMessage (the HTTP route's body) names them."""


@mcp_tool(SPAM_DETECTION, SPAM_DESCRIPTION, QUERY, SESSION)
async def spam_detection_agent(context: str, client: df.DurableOrchestrationClient) -> str:
    async def work(arguments: dict[str, Any]) -> dict[str, Any]:
        body = {AGENT_ARGUMENTS[name]: value for name, value in arguments.items() if name in AGENT_ARGUMENTS}
        try:
            request = validate(AgentMessage, body, "arguments")
        except BadRequest as error:
            names = {field: tool for tool, field in AGENT_ARGUMENTS.items()}
            details = [{**d, "field": names.get(d["field"], d["field"])} for d in error.details]
            fields = ", ".join(dict.fromkeys(d["field"] for d in details))
            raise BadRequest(f"Invalid arguments: {fields}", details) from None
        reply = await run_agent(client, SPAM_DETECTION, request, wait_for(app_settings().model.timeout_seconds))
        try:
            verdict = json.loads(reply.text)
        except ValueError:
            verdict = None
        return verdict if isinstance(verdict, dict) else {"response": reply.text}

    return await answer(context, work)


@mcp_tool(
    "start_research_flow",
    "Research a topic from three angles (technical, market, competitor) at once, then summarize them. "
    f"Answers at once with the flow's instance id; read the result with {STATUS_TOOL}.",
    TOPIC,
)
async def start_research_flow(context: str, client: df.DurableOrchestrationClient) -> str:
    async def work(arguments: dict[str, Any]) -> dict[str, Any]:
        request = validate(ResearchInput, arguments, "arguments")
        return await started(
            client,
            RESEARCH_FLOW,
            request,
            f"Call {STATUS_TOOL} with this id until runtimeStatus is Completed; output holds the summary and the "
            "three research sections.",
        )

    return await answer(context, work)


@mcp_tool(
    "start_content_flow",
    "Write a blog article on a topic and send the draft to a reviewer for approval, in review rounds: a rejection "
    "has the draft revised with the feedback and sent back. Answers at once with the flow's instance id; "
    f"{STATUS_TOOL} shows the round's draft once it awaits review, and {DECISION_TOOL} approves (publishes) or "
    "rejects (revises) it. Without a decision in time the review is escalated, then expires.",
    TOPIC,
    Prop("reviewer", "string", "Email address of the reviewer (default: the app's REVIEWER_EMAIL)."),
    Prop(
        "timeout_hours",
        "number",
        f"Hours the reviewer has for each round before it is escalated: {DEADLINE_RANGE} (default 24).",
    ),
    Prop(
        "escalation_timeout_hours",
        "number",
        f"Hours the escalation contact then has before the review expires: {DEADLINE_RANGE} (default 24).",
    ),
    Prop(
        "max_review_rounds",
        "integer",
        "Review rounds before a draft rejected each time ends rejected, 1 to 10 (default 3).",
    ),
)
async def start_content_flow(context: str, client: df.DurableOrchestrationClient) -> str:
    async def work(arguments: dict[str, Any]) -> dict[str, Any]:
        request = validate(ContentInput, arguments, "arguments", app_settings().review)
        return await started(
            client,
            CONTENT_FLOW,
            request,
            f"Call {STATUS_TOOL} with this id: when customStatus.stage is awaiting_approval (or escalated) it "
            f"holds the round's draft; then call {DECISION_TOOL}.",
        )

    return await answer(context, work)


@mcp_tool(
    STATUS_TOOL,
    "Read a flow's progress and result: runtimeStatus (Pending, Running, Completed, Failed, Terminated), "
    "customStatus (its stage; a content review awaiting a decision shows the draft), output once it is done, "
    "input and times. Answers at once.",
    INSTANCE_ID,
)
async def get_flow_status(context: str, client: df.DurableOrchestrationClient) -> str:
    async def work(arguments: dict[str, Any]) -> dict[str, Any]:
        return await read_status(client, check_instance_id(arguments.get(INSTANCE_ID.name)))

    return await answer(context, work)


@mcp_tool(
    DECISION_TOOL,
    "Approve or reject the current draft of a content flow that awaits review (customStatus.stage "
    "awaiting_approval or escalated). Approving publishes it; rejecting has it revised with the feedback and sent "
    "back for the next round. Answers whether the decision was applied and to which round; refused, saying why, "
    "when it would not count (still drafting, being revised, too late).",
    INSTANCE_ID,
    Prop("approved", "boolean", "true publishes the draft, false rejects it.", required=True),
    Prop(
        "feedback",
        "string",
        "What to change (used for the revision when rejected); up to 5000 characters and 10,000 bytes as JSON "
        "stores it (a non-ASCII character takes 6).",
    ),
    Prop(
        "round",
        "integer",
        "The round this decision is for (customStatus.round); refused when the review is in "
        "another round. Without it, the round under review when the decision arrives.",
    ),
)
async def submit_review_decision(context: str, client: df.DurableOrchestrationClient) -> str:
    async def work(arguments: dict[str, Any]) -> dict[str, Any]:
        instance_id = check_instance_id(arguments.get(INSTANCE_ID.name))
        body = {name: value for name, value in arguments.items() if name != INSTANCE_ID.name}
        return await decide(client, instance_id, validate(ApprovalDecision, body, "arguments"))

    return await answer(context, work)
