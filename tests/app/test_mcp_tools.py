"""The MCP tools as the Functions host indexes them, and the answers they hand the MCP extension."""

from __future__ import annotations

import json
from typing import Any

import mcp_types

from api.mcp_tools import tool_result


def test_the_spam_agent_and_the_flow_tools_are_tool_triggers_with_the_durable_client(app_functions: list[Any]) -> None:
    triggers = {f.get_trigger().tool_name: f for f in app_functions if f.get_trigger().type == "mcpToolTrigger"}

    assert set(triggers) == {
        "SpamDetectionAgent",
        "start_research_flow",
        "start_content_flow",
        "get_flow_status",
        "submit_review_decision",
    }
    for name, function in triggers.items():
        assert "durableClient" in [b.type for b in function.get_bindings()], name
        # Every tool, the agent's included, answers in the result envelope, which can say `isError`.
        assert function.get_trigger().use_result_schema is True, name


def test_a_tool_result_is_the_envelope_the_extension_reads() -> None:
    envelope = json.loads(tool_result({"error": "No orchestration instance 'x'"}, is_error=True))

    assert envelope["type"] == "call_tool_result"
    result = mcp_types.CallToolResult.model_validate_json(envelope["content"])
    assert result.is_error is True
    assert result.structured_content == {"error": "No orchestration instance 'x'"}
    assert json.loads(result.content[0].text) == result.structured_content
    assert "resultType" not in json.loads(envelope["content"]), "only fields the 2025 protocol knows"
