"""The HTTP API and the MCP tools of the app (/api/health comes from AgentFunctionApp)."""

from api.health import allow_anonymous_health_check
from api.mcp_tools import blueprint  # the routes' blueprint, with the MCP tools registered on it

__all__ = ["allow_anonymous_health_check", "blueprint"]
