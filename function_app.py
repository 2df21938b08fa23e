"""Durable multi-agent Function App: seven agents, three flows, their side effects and HTTP API.

What the Functions host loads. `agent_app.app` is the AgentFunctionApp with the agents (durable entities, one
conversation per session); each flow is an orchestration trigger decorated on it in its own module under
`orchestrations/`; side effects are idempotent activities and the routes are HTTP functions, both as blueprints.
See docs/flows.md for what each flow does.
"""

import azure.functions as func

import activities
import api
from agent_app import app
from orchestrations import content_approval, research, spam_detection  # noqa: F401 - each decorates its orchestrator on `app`

# AgentFunctionApp is a df.DFApp and so a func.FunctionRegister, but agent-framework-azurefunctions shows type checkers
# a stand-in base with only the decorators it uses (azure-functions-durable ships no types): this states the rest.
assert isinstance(app, func.FunctionRegister)
app.register_functions(activities.blueprint)
app.register_functions(api.blueprint)
