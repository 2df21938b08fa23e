"""The three flows, registered on the app under their durable names."""


from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import azure.durable_functions as df
from agent_framework_azurefunctions import AgentFunctionApp

from orchestrations.agent_calls import Agents
from orchestrations.content_approval import content_approval_workflow
from orchestrations.research import research_orchestration
from orchestrations.spam_detection import spam_detection_orchestration
from settings import ModelRetryPolicy, ReviewSettings

Flow = Callable[[df.DurableOrchestrationContext, Agents], Generator[Any, Any, dict[str, Any]]]


def register_orchestrations(app: AgentFunctionApp, retry: ModelRetryPolicy, review: ReviewSettings) -> None:
    """Register each flow as an orchestrator named after its function, with the app's agents and retry policy, and
    the settings a flow reads (given here, read once at start: an orchestrator never reads the environment)."""
    _register(app, spam_detection_orchestration.__name__, spam_detection_orchestration, retry)
    _register(app, research_orchestration.__name__, research_orchestration, retry)
    content = partial(content_approval_workflow, review_settings=review)
    _register(app, content_approval_workflow.__name__, content, retry)


def _register(app: AgentFunctionApp, name: str, flow: Flow, retry: ModelRetryPolicy) -> None:
    def orchestrator(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
        return (yield from flow(context, Agents(context, lambda agent: app.get_agent(context, agent), retry)))

    orchestrator.__name__ = orchestrator.__qualname__ = name
    app.function_name(name)(app.orchestration_trigger(context_name="context")(orchestrator))
