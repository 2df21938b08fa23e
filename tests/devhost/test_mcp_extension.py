"""MCP tool triggers on the local host, driven with the official MCP client: what the extension does in Azure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from devhost.process import DevHost
from tests.conftest import APPS, wait_until
from tests.mcp_client import MCP, call, connected, over_sse, text, tools


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    folder = tmp_path_factory.mktemp("mcp")
    server = DevHost("mcp_app", APPS, folder / "db.sqlite", folder / "host.log").start()
    yield server
    server.stop()


def context_of(result: types.CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text(result)
    return json.loads(text(result))


def test_tools_are_listed_with_the_schema_the_extension_builds_from_tool_properties(host: DevHost) -> None:
    listed = tools(host)

    assert set(listed) == {"echo", "nothing", "fail", "structured", "broken_envelope", "start_hello", "greet"}
    assert listed["echo"].description == "Answers the invocation context it got."
    assert listed["echo"].input_schema == {
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "What is wrong."},
            "tags": {"type": "array", "items": {"type": "string"}, "description": "Labels."},
            "priority": {"type": "string", "enum": ["low", "high"], "description": "How urgent."},
            "count": {"type": "integer", "description": ""},
        },
        "required": ["title", "count"],
    }
    assert listed["nothing"].input_schema == {"type": "object", "properties": {}, "required": []}
    # azure-functions' mcp_tool decorator: name, docstring and properties from the signature
    assert listed["greet"].description.startswith("Greets by name")
    assert listed["greet"].input_schema["properties"] == {"name": {"type": "string", "description": "Who to greet."}}


def test_the_function_gets_the_invocation_context_json_of_the_extension(host: DevHost) -> None:
    arguments = {"title": "disk full", "count": 2, "tags": ["ops"], "extra": {"nested": True}}

    context = context_of(call(host, "echo", arguments))

    assert context["name"] == "echo" and context["arguments"] == arguments
    transport = context["transport"]
    assert transport["name"] == "http-streamable"
    headers = transport["properties"]["headers"]
    assert headers["host"] == f"127.0.0.1:{host.port}" and "mcp-protocol-version" in headers
    # the session the host named in its answer to initialize comes back with every call
    assert context["sessionid"] == transport["sessionId"] == headers["mcp-session-id"]
    assert len(context["sessionid"]) == 32


def test_over_the_legacy_sse_transport_the_context_names_the_transport_session_and_client(host: DevHost) -> None:
    result = over_sse(host, lambda client: client.call_tool("echo", {"title": "t", "count": 1}))

    context = context_of(result)
    assert context["transport"]["name"] == "http-sse"
    assert context["sessionid"] and context["clientinfo"]["name"] == "mcp"
    assert context["arguments"] == {"title": "t", "count": 1}
    # The client left: its event stream ends instead of lingering on the host.
    wait_until(lambda: "GET /runtime/webhooks/mcp/sse -> 200" in host.log(), "the SSE stream to end with its client")


def test_results_as_the_extension_makes_them(host: DevHost) -> None:
    assert text(call(host, "nothing")) == ""  # the worker turns None into an empty string
    assert text(call(host, "greet", {"name": "Ada"})) == "Hello, Ada!"

    structured = call(host, "structured", {"a": [1, 2]})
    assert not structured.is_error
    assert structured.structured_content == {"arguments": {"a": [1, 2]}}
    assert json.loads(text(structured)) == {"arguments": {"a": [1, 2]}}


def test_a_failing_function_is_an_error_result_without_its_message(host: DevHost) -> None:
    for tool in ("fail", "broken_envelope"):
        result = call(host, tool)
        assert result.is_error and text(result) == f"An error occurred invoking '{tool}'."
    log = host.log()
    assert "secret detail that stays in the host log" in log and "could not be read as an McpToolResult" in log


def test_missing_required_properties_and_unknown_tools_are_invalid_params(host: DevHost) -> None:
    with pytest.raises(MCPError) as missing:
        call(host, "echo", {"title": "only the title", "count": None})
    assert missing.value.error.code == types.INVALID_PARAMS
    assert missing.value.error.message == (
        "One or more required tool properties are missing values. Please provide: count"
    )

    with pytest.raises(MCPError) as unknown:
        call(host, "no_such_tool", {})
    assert (
        unknown.value.error.code == types.INVALID_PARAMS
        and unknown.value.error.message == "Unknown tool: 'no_such_tool'"
    )


def test_tool_names_are_matched_case_insensitively(host: DevHost) -> None:
    assert context_of(call(host, "ECHO", {"title": "t", "count": 1}))["name"] == "ECHO"


def test_a_tool_with_the_durable_client_starts_an_orchestration(host: DevHost) -> None:
    instance_id = text(call(host, "start_hello", {"name": "MCP"}))

    assert host.wait_for(instance_id)["output"] == "Hello MCP"


def test_a_client_probing_for_the_2026_protocol_falls_back_to_the_initialize_handshake(host: DevHost) -> None:
    async def handshake(client: Any) -> Any:
        return client.session.initialize_result

    result = connected(host, handshake)
    assert result is not None and result.server_info.name == "Azure Functions MCP server"
    assert result.capabilities.tools is not None


STREAMABLE = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def rpc_error(host: DevHost, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, dict]:
    """The status and the JSON-RPC error object of a refused MCP request (its body must be one)."""
    code, answered, raw = host.exchange(method, path, body, headers)
    assert answered["Content-Type"].startswith("application/json"), (code, answered["Content-Type"], raw)
    message = json.loads(raw)
    assert message["jsonrpc"] == "2.0" and message["id"] is None and set(message) == {"jsonrpc", "id", "error"}
    return code, message["error"]


def test_only_post_is_served_on_the_streamable_endpoint_and_the_refusal_is_a_json_rpc_error(host: DevHost) -> None:
    for method in ("GET", "DELETE"):
        code, refusal = rpc_error(host, method, MCP, None, {})
        assert code == 405 and refusal["code"] == types.INVALID_REQUEST and method in refusal["message"]
    assert host.exchange("GET", MCP)[1]["Allow"] == "POST"


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "reason"),
    [
        (MCP, b"{}", {**STREAMABLE, "Content-Type": "text/plain"}, 400, "Content-Type"),
        (f"{MCP}/message", b"{}", STREAMABLE, 400, "session_id is required"),
        (f"{MCP}/message?session_id=not-hex", b"{}", STREAMABLE, 400, "Invalid session ID"),
        (f"{MCP}/message?session_id={'0' * 32}", b"{}", STREAMABLE, 404, "Could not find session"),
    ],
)
def test_transport_errors_are_json_rpc_errors_not_plain_text(
    host: DevHost, path: str, body: bytes, headers: dict[str, str], status: int, reason: str
) -> None:
    code, refusal = rpc_error(host, "POST", path, body, headers)
    assert code == status and refusal["code"] == types.INVALID_REQUEST and reason in refusal["message"]
