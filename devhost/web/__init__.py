"""The HTTP front: every route the host serves on its one aiohttp server, except MCP and the dashboard.

``http_functions`` serves the app's HTTP-triggered functions under ``/api``; ``durable_api`` serves the
Durable Functions HTTP API (public webhooks and the RPC flavour the SDK's client calls); ``guard``
refuses cross-origin writes and foreign Host headers; ``connections`` bounds what one client may hold
(time to send a request, open connections, lines of log); ``errors`` makes every error a JSON body and
reads bodies and query parameters safely; ``refusals`` answers the requests aiohttp's parser refuses with the
same JSON; ``asgi`` hands one request to an ASGI application.
"""
