"""The local host with the dashboard, running a small test app (or the real app for the browser test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devhost.process import DevHost

APPS = Path(__file__).parent / "apps"
DASHBOARD_API = "/dashboard/api"
#: Empty values win over local.settings.json, so agents always use the built-in offline model here.
OFFLINE = dict.fromkeys(
    (
        "AZURE_OPENAI_ENDPOINT",
        "AZURE_OPENAI_MODEL",
        "AZURE_OPENAI_API_KEY",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_CHAT_COMPLETION_MODEL",
        "SMTP_HOST",
        "CONTENT_STORAGE_CONNECTION_STRING",
    ),
    "",
)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[pytest.TestReport]:
    """Keep each phase's report on the test item, so a fixture can tell that its test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def start_host(tmp: Path, app: str, root: Path, **env: str) -> DevHost:
    return DevHost(app, root, tmp / "durable.db", tmp / "host.log", {**OFFLINE, **env}).start()


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    """The test app in tests/dashboard/apps on a fresh database."""
    started = start_host(tmp_path_factory.mktemp("dashboard"), "mini_app", APPS)
    yield started
    started.stop()


def dashboard(host: DevHost, path: str) -> Any:
    code, body = host.request("GET", DASHBOARD_API + path)
    assert code == 200, (code, body)
    return body


def start(host: DevHost, route: str, body: object) -> str:
    code, reply = host.request("POST", f"/api/{route}/run", body)
    assert code == 202, reply
    return reply["id"]
