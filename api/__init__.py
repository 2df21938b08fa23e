"""The HTTP API of the app (the agents' own routes and /api/health come from AgentFunctionApp)."""

from api.health import allow_anonymous_health_check
from api.routes import blueprint

__all__ = ["allow_anonymous_health_check", "blueprint"]
