"""Durable HTTP calls (``context.call_http``): a plain request, the asynchronous 202 pattern, a refused one."""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def fetch(context: df.DurableOrchestrationContext):
    """Input: {"method", "uri", "content"?}; the durable HTTP response, or the error's message."""
    request = context.get_input()
    try:
        response = yield context.call_http(
            request["method"], request["uri"], request.get("content"), headers={"X-Caller": "orchestrator"}
        )
    except Exception as error:
        return {"error": str(error)}
    return response
