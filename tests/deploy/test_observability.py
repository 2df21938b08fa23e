"""The agents' telemetry reaches Application Insights' ingestion API, and nothing is exported without the setting.

The real app runs on the local host with APPLICATIONINSIGHTS_CONNECTION_STRING pointing at a local server
that speaks the ingestion API (`POST /v2.1/track`), so only Application Insights itself is replaced.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from devhost.process import REPO, DevHost
from observability import configure_observability
from settings import SettingsError

SITE = "func-agents-test"


class Ingestion(ThreadingHTTPServer):
    """Accepts every telemetry item, as Application Insights does, and keeps them."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), IngestionHandler)
        self.items: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    @property
    def connection_string(self) -> str:
        return (
            "InstrumentationKey=00000000-0000-0000-0000-000000000001;"
            f"IngestionEndpoint=http://127.0.0.1:{self.server_port}/"
        )

    def received(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.items)


class IngestionHandler(BaseHTTPRequestHandler):
    server: Ingestion

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        items = json.loads(body)
        with self.server.lock:
            self.server.items.extend(items)
        reply = json.dumps({"itemsReceived": len(items), "itemsAccepted": len(items), "errors": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def ingestion() -> Iterator[Ingestion]:
    server = Ingestion()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def names(items: list[dict[str, Any]], base_type: str) -> set[str]:
    """Span names (or metric names, for MetricData) of the items of one telemetry type."""
    found: set[str] = set()
    for item in items:
        if item["data"]["baseType"] != base_type:
            continue
        base = item["data"]["baseData"]
        found |= {metric["name"] for metric in base["metrics"]} if base_type == "MetricData" else {base["name"]}
    return found


def test_agent_spans_logs_and_token_metrics_reach_application_insights(tmp_path: Path, ingestion: Ingestion) -> None:
    host = DevHost(
        "function_app",
        REPO,
        tmp_path / "db.sqlite",
        tmp_path / "host.log",
        {
            "APPLICATIONINSIGHTS_CONNECTION_STRING": ingestion.connection_string,
            "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true",  # no calls home from the test
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "WEBSITE_SITE_NAME": SITE,
            "REVIEW_LINK_KEY": "k" * 32,  # required where the platform markers say Azure
            "LOCAL_DATA_DIR": str(tmp_path / "data"),
            "CONTENT_STORAGE_CONNECTION_STRING": "",
        },
    ).start()
    try:
        code, started = host.request(
            "POST",
            "/api/spam-detection/run",
            {
                "sender": "PayPal Security <security@paypa1.com>",
                "subject": "URGENT",
                "content": "Verify your account at http://bit.ly/secure within 24 hours!!!",
            },
        )
        assert code == 202, started
        assert host.wait_for(started["id"])["runtimeStatus"] == "Completed"

        deadline = time.monotonic() + 30  # metrics are exported every 5 s
        while time.monotonic() < deadline:
            items = ingestion.received()
            spans = names(items, "RemoteDependencyData") | names(items, "RequestData")
            if "gen_ai.client.token.usage" in names(items, "MetricData") and "execute_tool inspect_links" in spans:
                break
            time.sleep(0.3)
    finally:
        host.stop()

    assert "invoke_agent SpamDetectionAgent" in spans, sorted(spans)
    assert "execute_tool inspect_links" in spans and "execute_tool check_sender" in spans, sorted(spans)
    assert any(span.startswith("chat ") for span in spans), sorted(spans)
    assert {"gen_ai.client.token.usage", "gen_ai.client.operation.duration"} <= names(items, "MetricData")
    logs = [item["data"]["baseData"]["message"] for item in items if item["data"]["baseType"] == "MessageData"]
    assert any("inspect_links" in message for message in logs), logs  # Agent Framework's own log records
    assert {item["tags"]["ai.cloud.role"] for item in items} == {SITE}, "the host's cloud role name"


def test_nothing_is_configured_without_the_connection_string() -> None:
    assert configure_observability({}) is False
    assert configure_observability({"APPLICATIONINSIGHTS_CONNECTION_STRING": "  "}) is False


def test_a_malformed_connection_string_fails_the_start_naming_the_setting() -> None:
    with pytest.raises(SettingsError, match=r"APPLICATIONINSIGHTS_CONNECTION_STRING .*instrumentation key"):
        configure_observability({"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=not-a-key"})
