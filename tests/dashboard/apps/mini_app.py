"""A small durable agent app shaped like the real one, for testing the dashboard on the local host.

It has the routes, orchestration names, agent names and custom status the dashboard reads
(research fan-out, content approval with `ApprovalDecision`), on a scripted chat client
with a fixed latency, so runs are fast and deterministic; the three research agents answer only once all three
are asking, so their calls overlap whatever the machine's load.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Generator, Mapping, Sequence
from datetime import timedelta
from typing import Any, ClassVar

import azure.durable_functions as df
import azure.functions as func
from agent_framework import (
    Agent,
    BaseChatClient,
    ChatMiddlewareLayer,
    ChatResponse,
    Content,
    FunctionInvocationLayer,
    Message,
    tool,
)
from agent_framework.observability import ChatTelemetryLayer
from agent_framework_azurefunctions import AgentFunctionApp
from pydantic import BaseModel

LATENCY_S = 0.4
RESEARCHERS = ("TechnicalResearchAgent", "MarketResearchAgent", "CompetitorResearchAgent")
RENDEZVOUS_SECONDS = 30  # how long a research call waits for the other two; a host that runs them one by one fails
_researchers_asking = threading.Barrier(len(RESEARCHERS), timeout=RENDEZVOUS_SECONDS)
APPROVAL_EVENT = "ApprovalDecision"


class Notes(BaseModel):
    area: str
    key_points: list[str]


class Article(BaseModel):
    title: str
    body: str
    word_count: int


@tool(name="word_count")
def word_count(text: str) -> dict[str, int]:
    """Count the words of a draft."""
    return {"words": len(text.split())}


class ScriptedChatClient(
    FunctionInvocationLayer[Any], ChatMiddlewareLayer[Any], ChatTelemetryLayer[Any], BaseChatClient[Any]
):
    """Answers after a fixed delay: calls each offered tool once, then returns JSON for the response model."""

    OTEL_PROVIDER_NAME: ClassVar[str] = "scripted"

    def _inner_get_response(
        self, *, messages: Sequence[Message], stream: bool, options: Mapping[str, Any], **kwargs: Any
    ) -> Awaitable[ChatResponse]:
        return self._respond(messages, options)

    async def _respond(self, messages: Sequence[Message], options: Mapping[str, Any]) -> ChatResponse:
        if options.get("response_format") is Notes:  # a research agent
            await asyncio.to_thread(_researchers_asking.wait)
        await asyncio.sleep(LATENCY_S)
        prompt = next((m.text for m in reversed(messages) if m.role == "user"), "")
        called = {c.name for m in messages for c in m.contents if c.type == "function_call"}
        tools = [t for t in options.get("tools") or [] if getattr(t, "name", "") not in called]
        if tools:
            reply = Message(
                "assistant", [Content.from_function_call("call-1", tools[0].name, arguments={"text": prompt})]
            )
        else:
            reply = Message("assistant", [json.dumps(_answer(options.get("response_format"), prompt))])
        return ChatResponse(
            messages=[reply],
            usage_details={
                "input_token_count": len(prompt.split()),
                "output_token_count": 7,
                "total_token_count": len(prompt.split()) + 7,
            },
        )


def _answer(model: type[BaseModel] | None, prompt: str) -> dict[str, Any]:
    if model is Article:
        body = f"A short article about {prompt}."
        return {"title": "Draft: " + prompt.splitlines()[0], "body": body, "word_count": len(body.split())}
    return {"area": "research", "key_points": [prompt.splitlines()[0]]}


client = ScriptedChatClient()
app = AgentFunctionApp(
    agents=[
        *(Agent(client=client, name=name, instructions=f"You are {name}.") for name in RESEARCHERS),
        Agent(client=client, name="ContentGenerationAgent", instructions="You write articles.", tools=[word_count]),
    ],
    http_auth_level=func.AuthLevel.ANONYMOUS,
    enable_health_check=False,
)


def _ask(
    context: df.DurableOrchestrationContext, name: str, prompt: str, model: type[BaseModel], session: Any = None
) -> Any:
    agent = app.get_agent(context, name)
    return agent.run(messages=prompt, session=session or agent.create_session(), options={"response_format": model})


@app.orchestration_trigger(context_name="context")
def research_orchestration(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    topic = context.get_input()
    context.set_custom_status({"stage": "researching", "topic": topic})
    results = yield context.task_all([_ask(context, name, f"Topic: {topic}", Notes) for name in RESEARCHERS])
    context.set_custom_status({"stage": "done", "topic": topic})
    return {"topic": topic, "sections": [r.value.model_dump() for r in results]}


@app.orchestration_trigger(context_name="context")
def content_approval_workflow(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    topic = context.get_input()
    writer = app.get_agent(context, "ContentGenerationAgent")
    session = writer.create_session()
    draft = (yield _ask(context, "ContentGenerationAgent", topic, Article, session)).value.model_dump()
    context.set_custom_status(
        {"stage": "awaiting_approval", "message": f"Waiting for {APPROVAL_EVENT}", "draft": draft}
    )
    timer = context.create_timer(context.current_utc_datetime + timedelta(hours=1))
    decision = context.wait_for_external_event(APPROVAL_EVENT)
    winner = yield context.task_any([decision, timer])
    if winner is not decision:
        return {"status": "escalated"}
    timer.cancel()
    if not decision.result.get("approved"):
        context.set_custom_status({"stage": "rejected"})
        return {"status": "rejected", "feedback": decision.result.get("feedback")}
    location = yield context.call_activity("publish", draft)
    context.set_custom_status({"stage": "published"})
    return {"status": "published", "location": location, "feedback": decision.result.get("feedback")}


@app.orchestration_trigger(context_name="context")
def failing_orchestration(context: df.DurableOrchestrationContext) -> Generator[Any, Any, None]:
    yield context.call_activity("publish", {"title": "x"})
    raise ValueError("this flow always fails after publishing")


@app.activity_trigger(input_name="draft")
def publish(draft: dict[str, Any]) -> str:
    return f"published/{draft['title']}.md"


async def _start(
    client: df.DurableOrchestrationClient, name: str, req: func.HttpRequest, key: str
) -> func.HttpResponse:
    instance_id = await client.start_new(name, client_input=req.get_json()[key])
    return client.create_check_status_response(req, instance_id)


@app.route(route="research/run", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start_research(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return await _start(client, "research_orchestration", req, "topic")


@app.route(route="content/run", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start_content(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return await _start(client, "content_approval_workflow", req, "topic")


@app.route(route="failing/run", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start_failing(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return await _start(client, "failing_orchestration", req, "topic")


@app.route(route="content/{instance_id}/decision", methods=["POST"])
@app.durable_client_input(client_name="client")
async def decide(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    body = req.get_json()
    decision = {"approved": bool(body["approved"]), "feedback": str(body.get("feedback", ""))}
    await client.raise_event(req.route_params["instance_id"], APPROVAL_EVENT, decision)
    return func.HttpResponse(json.dumps(decision), status_code=202, mimetype="application/json")
