"""The dispatcher that plays the Durable extension: it turns queued work into function runs.

``engine`` runs the loops (orchestrator episodes, activities, entity batches, timers) over the store;
``episode`` replays one orchestrator over its history with the SDK's own ``Orchestrator`` and reads
back the actions; ``invoke`` calls the app's activity and entity functions; ``rewind`` restarts a
failed instance from where it failed; ``durable_http`` performs ``context.call_http``; ``limits``
enforces the sizes Azure enforces; ``backoff``, ``workers`` and ``tracebacks`` are its small tools.
"""
