"""Reading the Function App folder as the Functions host reads it, before anything runs.

``app_index`` imports the app module and indexes its functions by trigger (HTTP routes, orchestrators,
activities, entities, and with ``tool_triggers`` MCP tools; any other trigger is listed as one that runs in Azure only);
``host_config`` reads the durable extension's options from ``host.json``; ``local_settings`` applies
``local.settings.json`` to the environment (and its CORS options) as Core Tools does. Nothing here
serves or runs a function: the other subpackages are built from what this one read.
"""
