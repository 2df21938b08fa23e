"""The three flows, one module each, every one an orchestration trigger decorated on `agent_app.app`."""
