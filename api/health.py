"""Let health probes in without a function key."""

from __future__ import annotations

import azure.functions as func
from agent_framework_azurefunctions import AgentFunctionApp
from azure.functions.decorators.http import HttpTrigger

HEALTH_FUNCTION = "health_check"


def allow_anonymous_health_check(app: AgentFunctionApp) -> None:
    """Open AgentFunctionApp's built-in GET /api/health to anonymous callers.

    The built-in route inherits the app-wide FUNCTION auth level, but load balancers and
    uptime probes carry no key. Its trigger is adjusted before the host indexes the app;
    every other route keeps function-level auth.
    """
    assert isinstance(app, func.FunctionRegister)  # what it is at run time; see function_app.py
    for builder in app._function_builders:  # no public accessor for registered functions before indexing
        function = builder._function
        trigger = function.get_trigger()
        if function.get_function_name() == HEALTH_FUNCTION and isinstance(trigger, HttpTrigger):
            trigger.auth_level = func.AuthLevel.ANONYMOUS
            return
    raise LookupError(f"AgentFunctionApp registered no {HEALTH_FUNCTION!r} function; was enable_health_check off?")
