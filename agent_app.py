"""The AgentFunctionApp this Function App is built on, with its seven agents and the settings read at start.

Built once, when the Functions host imports `function_app.py`: the flows in `orchestrations/` are decorated
on `app` and get their agents from it (`app.get_agent(context, name)`), as the official samples do. Every
setting family is validated here, so a half-configured setup fails the start, not the first request; nothing
reads the environment after this.
"""

import logging

import azure.functions as func
from agent_framework_azurefunctions import AgentFunctionApp

from agents.catalog import build_agents
from agents.model_client import check_served_model, create_chat_client
from agents.spam_classifier import BUNDLED_MODEL, load_model
from api.health import allow_anonymous_health_check
from observability import configure_observability
from settings import app_settings

logger = logging.getLogger(__name__)

configure_observability()  # Application Insights, when APPLICATIONINSIGHTS_CONNECTION_STRING is set

settings = app_settings()
logger.info("Mail goes to %s", settings.mail.destination)
logger.info("Artifacts go to %s", settings.storage.destination)
for warning in settings.warnings:
    logger.warning(warning)
# Loaded now, so a broken model file fails the start; score_spam reuses this copy.
spam_model = load_model(settings.spam_model_path or BUNDLED_MODEL)
logger.info("Spam classifier: %s, threshold %.2f", settings.spam_model_path or "bundled model", spam_model.threshold)

# The agents' own route and MCP tool are the app's (api/agent_runs.py): they report a failed model call as a failure,
# and keep callers out of the flows' conversations. AgentFunctionApp registers each agent's durable entity.
app = AgentFunctionApp(
    agents=build_agents(create_chat_client(settings.model)),
    enable_health_check=True,
    enable_http_endpoints=False,
    enable_mcp_tool_trigger=False,
    http_auth_level=func.AuthLevel.FUNCTION,
)
allow_anonymous_health_check(app)  # load balancers and uptime probes carry no key
check_served_model(settings.model)  # in the background: warns when the server does not list the configured model
