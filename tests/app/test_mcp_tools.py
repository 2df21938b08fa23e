"""The MCP tools as the Functions host indexes them, and the answers they hand the MCP extension."""

from __future__ import annotations

import json
from typing import Any

import mcp_types
import pytest

from api.mcp_tools import caller_api_root, tool_result


def test_the_spam_agent_and_the_flow_tools_are_tool_triggers_with_the_durable_client(app_functions: list[Any]) -> None:
    triggers = {f.get_trigger().tool_name: f for f in app_functions if f.get_trigger().type == "mcpToolTrigger"}

    assert set(triggers) == {"SpamDetectionAgent", "start_research_flow", "start_content_flow", "get_flow_status",
                             "submit_review_decision"}  # fmt: skip
    for name, function in triggers.items():
        assert "durableClient" in [b.type for b in function.get_bindings()], name
        # The flow tools answer in the result envelope; the agent's tool (Agent Framework's) with plain text.
        assert function.get_trigger().use_result_schema is (name != "SpamDetectionAgent"), name


def test_a_tool_result_is_the_envelope_the_extension_reads() -> None:
    envelope = json.loads(tool_result({"error": "No orchestration instance 'x'"}, is_error=True))

    assert envelope["type"] == "call_tool_result"
    result = mcp_types.CallToolResult.model_validate_json(envelope["content"])
    assert result.is_error is True
    assert result.structured_content == {"error": "No orchestration instance 'x'"}
    assert json.loads(result.content[0].text) == result.structured_content
    assert "resultType" not in json.loads(envelope["content"]), "only fields the 2025 protocol knows"


def context(host: str | None) -> str:
    headers = {"Host": host} if host else {}
    return json.dumps({"name": "start_content_flow", "transport": {"name": "http-streamable", "properties": {"headers": headers}}})


def test_the_decision_link_of_a_flow_started_over_mcp(monkeypatch: pytest.MonkeyPatch) -> None:
    assert caller_api_root(context("127.0.0.1:7391")) == "http://127.0.0.1:7391/api"
    assert caller_api_root(context(None)) is None
    monkeypatch.setenv("WEBSITE_HOSTNAME", "agents.azurewebsites.net")
    assert caller_api_root(context("agents.azurewebsites.net")) is None  # settings.public_api_root: https
