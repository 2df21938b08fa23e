"""host.json as Azure reads it: the DTS backend and an MCP extension from a bundle that has them, durable traces, no exception sampled away."""

from __future__ import annotations

import json
import re

from devhost.process import REPO

HOST = json.loads((REPO / "host.json").read_text())

# The first GA bundle whose extensions.json lists Microsoft.Azure.WebJobs.Extensions.DurableTask.AzureManaged,
# the `azureManaged` storage provider (tag 4.30.0 of Azure/azure-functions-extension-bundles).
FIRST_GA_BUNDLE_WITH_DTS = (4, 30, 0)
# The first bundle built after Microsoft.Azure.Functions.Extensions.Mcp 1.1.0 (tagged 2025-11-25), the first MCP
# extension that reads a `useResultSchema` answer (api/mcp_tools.py): 4.31.0, tagged 2025-12-09. A bundle build takes
# the newest package of the extension's major version (build/BuildSteps.cs) and extensions.json pins none for MCP; the
# deps.json files listing MCP 1.0.0 up to 4.32.0 are the bundle repository's test data.
FIRST_BUNDLE_WITH_MCP_RESULT_SCHEMA = (4, 31, 0)
# Telemetry types Application Insights sampling knows (host.json reference, samplingSettings.excludedTypes).
SAMPLED_TYPES = {"Dependency", "Event", "Exception", "PageView", "Request", "Trace"}


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def test_bundle_is_the_ga_bundle_and_every_version_in_range_has_the_scheduler_provider_and_mcp_results() -> None:
    bundle = HOST["extensionBundle"]
    assert bundle["id"] == "Microsoft.Azure.Functions.ExtensionBundle", "the GA bundle, as the DTS samples use"
    match = re.fullmatch(r"\[(\d+\.\d+\.\d+),\s*(\d+\.\d+\.\d+)\)", bundle["version"])
    assert match, f"expected an interval [low, high), got {bundle['version']!r}"
    low, high = (version(part) for part in match.groups())
    assert low >= FIRST_GA_BUNDLE_WITH_DTS, "an older bundle lacks the azureManaged provider"
    assert low >= FIRST_BUNDLE_WITH_MCP_RESULT_SCHEMA, "an older bundle's MCP extension ignores useResultSchema"
    assert high == (5, 0, 0), "stay on major version 4, like the samples' [4.*, 5.0.0)"


def test_durable_task_runs_on_the_scheduler_named_by_app_settings() -> None:
    durable = HOST["extensions"]["durableTask"]
    assert durable["hubName"] == "%TASKHUB_NAME%"
    assert durable["storageProvider"] == {
        "type": "azureManaged",
        "connectionStringName": "DURABLE_TASK_SCHEDULER_CONNECTION_STRING",
    }


def test_distributed_tracing_v2_correlates_orchestrations_entities_and_activities() -> None:
    assert HOST["extensions"]["durableTask"]["tracing"] == {"distributedTracingEnabled": True, "version": "V2"}


def test_sampling_never_drops_exceptions_or_requests() -> None:
    sampling = HOST["logging"]["applicationInsights"]["samplingSettings"]
    excluded = {name.strip() for name in sampling["excludedTypes"].split(";")}
    assert excluded <= SAMPLED_TYPES, f"unknown telemetry types (ignored by the host): {excluded - SAMPLED_TYPES}"
    assert {"Exception", "Request"} <= excluded


def test_the_mcp_server_introduces_itself_and_its_flow_tools() -> None:
    mcp = HOST["extensions"]["mcp"]
    assert mcp["serverName"] and mcp["serverVersion"]
    for tool in ("start_research_flow", "start_content_flow", "get_flow_status", "submit_review_decision"):
        assert tool in mcp["instructions"]
    assert "system" not in mcp, "the endpoints keep the default System level: the mcp_extension key"
