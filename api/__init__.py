"""The HTTP API and the MCP tools of the app (the agents' own routes and /api/health come from AgentFunctionApp)."""

from api.health import allow_anonymous_health_check
from api.mcp_tools import MCP_AGENTS
from api.routes import blueprint

__all__ = ["MCP_AGENTS", "allow_anonymous_health_check", "blueprint"]
