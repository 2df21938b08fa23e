"""The app's HTTP routes (function-level auth, but the review page's); the work happens in api/handlers.py,
api/decisions.py and api/review_page.py."""

import azure.durable_functions as df
import azure.functions as func

from api.decisions import deliver_decision
from api.handlers import agent_message, orchestration_status, start_flow, stored_draft
from api.review_page import review_page
from orchestrations.flow_names import CONTENT_FLOW, RESEARCH_FLOW, SPAM_FLOW
from orchestrations.inputs import ContentInput, EmailInput, ResearchInput

blueprint = df.Blueprint(http_auth_level=func.AuthLevel.FUNCTION)


@blueprint.route(route="spam-detection/run", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
async def start_spam_detection(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Body: {"content", "email_id"?, "sender"?, "subject"?}."""
    return await start_flow(req, client, SPAM_FLOW, EmailInput, "spam-detection/run")


@blueprint.route(route="research/run", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
async def start_research(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Body: {"topic"} or a bare JSON string."""
    return await start_flow(req, client, RESEARCH_FLOW, ResearchInput, "research/run")


@blueprint.route(route="content/run", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
async def start_content(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Body: a bare JSON string topic, or {"topic", "reviewer"?, "timeout_hours"?}."""
    return await start_flow(req, client, CONTENT_FLOW, ContentInput, "content/run")


@blueprint.route(route="content/{instance_id}/decision", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
async def submit_decision(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Body: {"approved": bool, "feedback"?: str, "round"?: int}, header Idempotency-Key?; for automation (function
    key). People decide through the review page their signed link opens (api/review_page.py)."""
    return await deliver_decision(req, client)


@blueprint.route(route="review/{instance_id}", methods=["GET", "POST"], auth_level=func.AuthLevel.ANONYMOUS)
@blueprint.durable_client_input(client_name="client")
async def review(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The review page a signed link in a review mail opens (`?t=<token>`): anonymous, the link is the credential."""
    return await review_page(req, client)


@blueprint.route(route="content/{instance_id}/drafts/{key}", methods=["GET"])
def get_draft(req: func.HttpRequest) -> func.HttpResponse:
    """A draft the content workflow stored, whole: {"title", "body", "word_count", "reading_time_minutes"}."""
    return stored_draft(req)


@blueprint.route(route="orchestrations/{instance_id}", methods=["GET"])
@blueprint.durable_client_input(client_name="client")
async def get_orchestration(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Status of any orchestration instance."""
    return await orchestration_status(req, client)


@blueprint.route(route="agents/{name}/run", methods=["POST"])
@blueprint.durable_client_input(client_name="client")
async def run_agent(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Body: {"message", "session_id"?} or a bare JSON string; one agent's answer, or a 5xx naming why there is none."""
    return await agent_message(req, client)
