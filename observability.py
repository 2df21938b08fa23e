"""The agents' OpenTelemetry traces, logs and metrics to Application Insights, when the app runs in Azure.

Agent Framework instruments every agent run, model call and tool call (OpenTelemetry GenAI conventions:
`invoke_agent`, `chat`, `execute_tool` spans with token counts, and token / duration histograms). The
Functions host already reports requests, executions and durable traces; this adds the worker's own
telemetry when APPLICATIONINSIGHTS_CONNECTION_STRING is set, and does nothing otherwise (the local host,
tests). The exporters authenticate with Microsoft Entra ID when APPLICATIONINSIGHTS_AUTHENTICATION_STRING
says `Authorization=AAD`, the setting the host uses too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from settings import SettingsError

if TYPE_CHECKING:
    from opentelemetry.sdk._logs.export import LogRecordExporter
    from opentelemetry.sdk.metrics.export import MetricExporter
    from opentelemetry.sdk.trace.export import SpanExporter

CONNECTION_STRING = "APPLICATIONINSIGHTS_CONNECTION_STRING"


def configure_observability(env: Mapping[str, str] = os.environ) -> bool:
    """Export Agent Framework telemetry to Application Insights; True when configured.

    Called once at start, before the agents exist. A malformed connection string fails the start with a
    message naming the setting, like every other setting.
    """
    connection_string = env.get(CONNECTION_STRING, "").strip()
    if not connection_string:
        return False

    from agent_framework.observability import configure_otel_providers
    from azure.monitor.opentelemetry.exporter import (
        AzureMonitorLogExporter,
        AzureMonitorMetricExporter,
        AzureMonitorTraceExporter,
    )

    try:
        exporters: list[LogRecordExporter | SpanExporter | MetricExporter] = [
            exporter(connection_string=connection_string)
            for exporter in (AzureMonitorTraceExporter, AzureMonitorLogExporter, AzureMonitorMetricExporter)
        ]
    except ValueError as error:
        raise SettingsError(f"{CONNECTION_STRING} is not an Application Insights connection string: {error}") from None
    # The site name is the host's cloud role name, so the agents' spans sit beside its requests.
    service_name = env.get("OTEL_SERVICE_NAME") or env.get("WEBSITE_SITE_NAME") or None
    configure_otel_providers(service_name=service_name, exporters=exporters)
    return True
