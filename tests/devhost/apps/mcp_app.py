"""A small app with MCP tool triggers of its own, to check the local host serves them as the MCP extension does."""

from __future__ import annotations

import json

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

TICKET = json.dumps(
    [
        {"propertyName": "title", "propertyType": "string", "description": "What is wrong.", "isRequired": True},
        {"propertyName": "tags", "propertyType": "string", "description": "Labels.", "isArray": True},
        {
            "propertyName": "priority",
            "propertyType": "string",
            "description": "How urgent.",
            "enumValues": ["low", "high"],
        },
        {"propertyName": "count", "propertyType": "integer", "description": "", "isRequired": True},
    ]
)


@app.function_name("echo_context")
@app.mcp_tool_trigger(
    arg_name="context", tool_name="echo", description="Answers the invocation context it got.", tool_properties=TICKET
)
def echo(context: str) -> str:
    return context


@app.function_name("nothing")
@app.mcp_tool_trigger(arg_name="context", tool_name="nothing", description="Answers None.")
def nothing(context: str) -> None:
    return None


@app.function_name("failing")
@app.mcp_tool_trigger(arg_name="context", tool_name="fail", description="Raises.")
def failing(context: str) -> str:
    raise RuntimeError("secret detail that stays in the host log")


@app.function_name("structured")
@app.mcp_tool_trigger(
    arg_name="context",
    tool_name="structured",
    description="Answers JSON as structured content.",
    use_result_schema=True,
)
def structured(context: str) -> str:
    payload = {"arguments": json.loads(context).get("arguments")}
    return json.dumps(
        {
            "type": "text",
            "content": json.dumps({"type": "text", "text": json.dumps(payload)}),
            "structuredContent": json.dumps(payload),
        }
    )


@app.function_name("broken_envelope")
@app.mcp_tool_trigger(
    arg_name="context", tool_name="broken_envelope", description="Not an envelope.", use_result_schema=True
)
def broken_envelope(context: str) -> str:
    return "plain text where the envelope belongs"


@app.function_name("start_hello")
@app.mcp_tool_trigger(
    arg_name="context",
    tool_name="start_hello",
    description="Starts hello_orchestrator.",
    tool_properties=json.dumps(
        [{"propertyName": "name", "propertyType": "string", "description": "Who to greet.", "isRequired": True}]
    ),
)
@app.durable_client_input(client_name="client")
async def start_hello(context: str, client: df.DurableOrchestrationClient) -> str:
    return await client.start_new("hello_orchestrator", client_input=json.loads(context)["arguments"]["name"])


@app.mcp_tool()
@app.mcp_tool_property(arg_name="name", description="Who to greet.")
def greet(name: str) -> str:
    """Greets by name (the azure-functions mcp_tool decorator: schema from the signature)."""
    return f"Hello, {name}!"


@app.orchestration_trigger(context_name="context")
def hello_orchestrator(context: df.DurableOrchestrationContext):  # type: ignore[no-untyped-def]
    return (yield context.call_activity("say_hello", context.get_input()))


@app.activity_trigger(input_name="name")
def say_hello(name: str) -> str:
    return f"Hello {name}"
