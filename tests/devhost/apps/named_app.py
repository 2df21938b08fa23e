"""The official Durable samples' shape: the app object is ``myApp``, not ``app``; plus triggers the local host
does not run (timer, queue, MCP tool), which it must name at start instead of dropping silently."""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

myApp = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@myApp.route(route="orchestrators/{functionName}")
@myApp.durable_client_input(client_name="client")
async def http_start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    instance_id = await client.start_new(req.route_params["functionName"])
    return client.create_check_status_response(req, instance_id)


@myApp.orchestration_trigger(context_name="context")
def hello_orchestrator(context: df.DurableOrchestrationContext):
    result1 = yield context.call_activity("hello", "Tokyo")
    result2 = yield context.call_activity("hello", "Seattle")
    result3 = yield context.call_activity("hello", "London")
    return [result1, result2, result3]


@myApp.activity_trigger(input_name="city")
def hello(city: str) -> str:
    return f"Hello {city}"


@myApp.timer_trigger(schedule="0 */5 * * * *", arg_name="timer")
def nightly_cleanup(timer: func.TimerRequest) -> None:
    raise AssertionError("the local host must not run timer triggers")


@myApp.queue_trigger(arg_name="message", queue_name="work", connection="AzureWebJobsStorage")
def work_queue(message: func.QueueMessage) -> None:
    raise AssertionError("the local host must not run queue triggers")


@myApp.mcp_tool_trigger(arg_name="context", tool_name="greet", description="Greets someone")
def greet_tool(context: str) -> str:
    return "hello"
