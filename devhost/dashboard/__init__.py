"""A local dashboard for the host: orchestrations, their timelines, agent conversations and metrics.

It reads the host's SQLite store (never writes it) and is mounted at ``/dashboard`` by the server.
"""

from .endpoints import build

__all__ = ["build"]
