"""The HTTP API and the MCP tools of the app (/api/health comes from AgentFunctionApp)."""

from api import mcp_tools  # noqa: F401 - registers the MCP tools on the routes' blueprint
from api.http_routes import blueprint

__all__ = ["blueprint"]
