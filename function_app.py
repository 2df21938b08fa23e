"""Durable multi-agent Function App: seven agents, three flows, their side effects and HTTP API.

Agents run as durable entities (one conversation per session), flows as orchestrations,
side effects as idempotent activities. See docs/flows.md for what each flow does.
"""

import logging

import azure.functions as func
from agent_framework_azurefunctions import AgentFunctionApp

import activities
import api
from agents.catalog import build_agents
from agents.model_client import check_served_model, create_chat_client
from agents.spam_classifier import BUNDLED_MODEL, load_model
from observability import configure_observability
from orchestrations import register_orchestrations
from settings import load_settings

logger = logging.getLogger(__name__)

configure_observability()  # Application Insights, when APPLICATIONINSIGHTS_CONNECTION_STRING is set

# Every setting family is validated here, so a half-configured setup fails the start, not the first request.
settings = load_settings()
logger.info("Mail goes to %s", settings.mail.destination)
logger.info("Artifacts go to %s", settings.storage.destination)
for warning in settings.warnings:
    logger.warning(warning)
# Loaded now, so a broken model file fails the start; score_spam reuses this copy.
spam_model = load_model(settings.spam_model_path or BUNDLED_MODEL)
logger.info("Spam classifier: %s, threshold %.2f", settings.spam_model_path or "bundled model", spam_model.threshold)

# The agents' own route and MCP tool are the app's (api/agent_runs.py): they report a failed model call as a failure,
# and keep callers out of the flows' conversations. AgentFunctionApp registers each agent's durable entity.
app = AgentFunctionApp(enable_health_check=True, enable_http_endpoints=False, http_auth_level=func.AuthLevel.FUNCTION)
for agent in build_agents(create_chat_client(settings.model)):
    app.add_agent(agent, enable_http_endpoint=False, enable_mcp_tool_trigger=False)
api.allow_anonymous_health_check(app)
check_served_model(settings.model)  # in the background: warns when the server does not list the configured model

register_orchestrations(app, settings.model.retry, settings.review)
app.register_functions(activities.blueprint)
app.register_functions(api.blueprint)
