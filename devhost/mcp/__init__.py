"""The Functions MCP extension: the app's MCP tool triggers served as an MCP server.

``endpoint`` serves ``/runtime/webhooks/mcp`` (Streamable HTTP and the legacy SSE transport) with the
official MCP SDK; ``triggers`` calls the tool trigger functions as the extension does (``devhost/app/``
reads them from the app).
"""
