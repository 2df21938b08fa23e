"""The three flows, registered on the app under their durable names."""


from collections.abc import Callable, Generator
from typing import Any

import azure.durable_functions as df
from agent_framework_azurefunctions import AgentFunctionApp

from orchestrations.agent_calls import Agents
from orchestrations.content_approval import content_approval_workflow
from orchestrations.research import research_orchestration
from orchestrations.spam_detection import spam_detection_orchestration
from settings import ModelRetryPolicy

Flow = Callable[[df.DurableOrchestrationContext, Agents], Generator[Any, Any, dict[str, Any]]]

FLOWS: tuple[Flow, ...] = (spam_detection_orchestration, research_orchestration, content_approval_workflow)


def register_orchestrations(app: AgentFunctionApp, retry: ModelRetryPolicy) -> None:
    """Register each flow as an orchestrator named after its function, with the app's agents and retry policy."""
    for flow in FLOWS:
        _register(app, flow, retry)


def _register(app: AgentFunctionApp, flow: Flow, retry: ModelRetryPolicy) -> None:
    def orchestrator(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
        return (yield from flow(context, Agents(context, lambda name: app.get_agent(context, name), retry)))

    orchestrator.__name__ = orchestrator.__qualname__ = flow.__name__
    app.function_name(flow.__name__)(app.orchestration_trigger(context_name="context")(orchestrator))
