"""Which functions answer for the agents, as the Functions host indexes the real app."""

from __future__ import annotations

import re
from typing import Any

from devhost.process import REPO


def test_the_agents_are_reached_only_through_the_apps_own_route_and_tool(app_functions: list[Any]) -> None:
    """AgentFunctionApp's own run routes (`http-<Agent>`) and tools (`mcptool-<Agent>`) report a failed model call as
    an empty success and take any session: the app registers its own instead."""
    names = {f.get_function_name() for f in app_functions}
    assert not {name for name in names if name.startswith(("http-", "mcptool-"))}
    http = [f for f in app_functions if f.get_trigger().type == "httpTrigger"]
    routes = {f.get_trigger().route: f.get_function_name() for f in http}
    assert routes["agents/{name}/run"] == "run_agent"


def test_the_functions_the_deploy_guide_tells_clients_to_key_exist(app_functions: list[Any]) -> None:
    readme = (REPO / "docs" / "deploy.md").read_text()
    named = set(re.findall(r"--function-name (\w+)", readme))
    named |= set(re.findall(r"for fn in ([\w ]+);", readme)[0].split())
    assert named and named <= {f.get_function_name() for f in app_functions}, named
