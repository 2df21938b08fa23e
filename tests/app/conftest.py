"""Fixtures for the app's unit tests: a clean environment, a real local SMTP server, offline agents."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from settings import app_settings
from tests.app.fakes import InProcessAgents
from tests.smtp import SmtpServer, running_smtp_server

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

APP_SETTINGS = (
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_MODEL",
    "AZURE_OPENAI_API_KEY",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_CHAT_COMPLETION_MODEL",
    "OFFLINE_MODEL_LATENCY_MS",
    "MODEL_TIMEOUT_SECONDS",
    "MODEL_MAX_OUTPUT_TOKENS",
    "MODEL_RESPONSE_FORMAT",
    "MODEL_MAX_ATTEMPTS",
    "MODEL_RETRY_DELAY_SECONDS",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "SMTP_SECURITY",
    "SMTP_TIMEOUT_SECONDS",
    "MAIL_FROM",
    "REVIEWER_EMAIL",
    "ESCALATION_EMAIL",
    "PUBLIC_BASE_URL",
    "WEBSITE_HOSTNAME",
    "WEBSITE_INSTANCE_ID",
    "WEBSITE_SITE_NAME",
    "ACTIVITY_MAX_ATTEMPTS",
    "ACTIVITY_FIRST_RETRY_SECONDS",
    "CONTENT_STORAGE_CONNECTION_STRING",
    "CONTENT_CONTAINER",
    "AzureWebJobsStorage",
    "AzureWebJobsStorage__accountName",
    "AzureWebJobsStorage__blobServiceUri",
    "LOCAL_DATA_DIR",
    "REVIEW_LINK_KEY",
    "REVIEW_LINK_PREVIOUS_KEY",
    "WEBSITE_AUTH_ENABLED",
)


@pytest.fixture(autouse=True)
def settings_read_at_first_use() -> Iterator[None]:
    """Each test starts the app afresh: its settings (`settings.app_settings`, read once per process in Azure) are
    read at the test's first use, from the environment its fixtures set; a test that changes the environment
    later clears them again."""
    app_settings.cache_clear()
    yield
    app_settings.cache_clear()


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No model, SMTP or storage settings; local artifacts under a temporary folder (returned)."""
    for name in APP_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("LOCAL_DATA_DIR", str(data_dir))
    return data_dir


@pytest.fixture
def smtp_server(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on a free local port, with the app's SMTP settings pointing at it."""
    with running_smtp_server() as server:
        monkeypatch.setenv("SMTP_HOST", server.host)
        monkeypatch.setenv("SMTP_PORT", str(server.port))
        yield server


@pytest.fixture(scope="session")
def app_functions() -> list[Any]:
    """The functions of the real function_app (indexed once: the SDK forbids a second get_functions)."""
    import function_app

    return function_app.app.get_functions()


@pytest.fixture
def agents() -> InProcessAgents:
    """The app's agents on the offline model, run in-process (see tests/app/fakes.py)."""
    from agents.catalog import build_agents
    from agents.offline import OfflineChatClient

    return InProcessAgents(build_agents(OfflineChatClient()))
