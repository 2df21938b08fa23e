"""The HTTP API and the MCP tools of the app (/api/health comes from AgentFunctionApp)."""

from api.mcp_tools import blueprint  # the routes' blueprint, with the MCP tools registered on it

__all__ = ["blueprint"]
