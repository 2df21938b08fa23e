"""The AgentFunctionApp this Function App is built on, with its seven agents and the settings read at start.

Built once, when the Functions host imports `function_app.py`: the flows in `orchestrations/` are decorated
on `app` and get their agents from it (`app.get_agent(context, name)`), as the official samples do. Every
setting family is validated here, so a half-configured setup fails the start, not the first request; nothing
reads the environment after this.
"""

import logging

import azure.durable_functions as df
import azure.functions as func
from agent_framework import SupportsAgentRun
from agent_framework_azurefunctions import AgentFunctionApp
from agent_framework_durabletask import AgentResponseCallbackProtocol, AgentSessionId

from agents.catalog import build_agents
from agents.model_client import check_served_model, create_chat_client
from agents.session_entity import bounded_agent_entity
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


class App(AgentFunctionApp):
    """AgentFunctionApp whose agent entities keep their state within the scheduler's limit (agents/session_entity.py).

    Registers the entity under the name and function name AgentFunctionApp gives it (`dafx-<agent>`), so flows,
    routes and existing sessions address it as before.
    """

    def _setup_agent_entity(
        self, agent: SupportsAgentRun, agent_name: str, callback: AgentResponseCallbackProtocol | None
    ) -> None:
        name = AgentSessionId.to_entity_name(agent_name)
        handler = bounded_agent_entity(agent, callback)

        def entity_function(context: df.DurableEntityContext) -> None:
            handler(context)

        entity_function.__name__ = name
        self.entity_trigger(context_name="context", entity_name=name)(entity_function)


# The agents' own route and MCP tool are the app's (api/agent_runs.py): they report a failed model call as a failure,
# and keep callers out of the flows' conversations. AgentFunctionApp registers each agent's durable entity.
app = App(
    agents=build_agents(create_chat_client(settings.model)),
    enable_health_check=True,
    enable_http_endpoints=False,
    enable_mcp_tool_trigger=False,
    http_auth_level=func.AuthLevel.FUNCTION,
)
allow_anonymous_health_check(app)  # load balancers and uptime probes carry no key
check_served_model(settings.model)  # in the background: warns when the server does not list the configured model
