"""Which model, mail transport and artifact store the settings select, and the errors for half a setup."""

from __future__ import annotations

import logging
import os
import runpy
import tempfile
from pathlib import Path

import pytest
from agent_framework.openai import OpenAIChatCompletionClient

from agents.model_client import create_chat_client
from agents.offline import OfflineChatClient
from settings import (
    SettingsError,
    app_settings,
    load_mail_settings,
    load_model_settings,
    load_settings,
    load_storage_settings,
    public_api_root,
)
from tests.app.conftest import ROOT


def test_no_model_settings_selects_the_offline_model_and_logs_it(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_model_settings({"AZURE_OPENAI_ENDPOINT": "", "OPENAI_API_KEY": " "})
    with caplog.at_level(logging.INFO):
        client = create_chat_client(settings)
    assert settings.provider == "offline"
    assert isinstance(client, OfflineChatClient)
    assert "offline model" in caplog.text


def test_azure_openai_with_a_key() -> None:
    settings = load_model_settings(
        {
            "AZURE_OPENAI_ENDPOINT": "https://x.openai.azure.com",
            "AZURE_OPENAI_MODEL": "gpt-4o-mini",
            "AZURE_OPENAI_API_KEY": "k",
        }
    )
    client = create_chat_client(settings)
    assert (settings.provider, settings.model, settings.api_key) == ("azure_openai", "gpt-4o-mini", "k")
    assert isinstance(client, OpenAIChatCompletionClient) and client.model == "gpt-4o-mini"


def test_azure_openai_without_a_key_uses_default_azure_credential(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_model_settings({"AZURE_OPENAI_ENDPOINT": "https://x.openai.azure.com", "AZURE_OPENAI_MODEL": "m"})
    with caplog.at_level(logging.INFO):
        create_chat_client(settings)
    assert settings.api_key is None
    assert "DefaultAzureCredential" in caplog.text


def test_openai_compatible_server() -> None:
    settings = load_model_settings(
        {
            "OPENAI_API_KEY": "ollama",
            "OPENAI_BASE_URL": "http://localhost:11434/v1",
            "OPENAI_CHAT_COMPLETION_MODEL": "llama3.2",
        }
    )
    client = create_chat_client(settings)
    assert settings.provider == "openai"
    assert isinstance(client, OpenAIChatCompletionClient)
    assert str(client.client.base_url).startswith("http://localhost:11434/v1")


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"AZURE_OPENAI_ENDPOINT": "https://x.openai.azure.com"}, "AZURE_OPENAI_MODEL is missing"),
        ({"AZURE_OPENAI_MODEL": "gpt-4o"}, "AZURE_OPENAI_ENDPOINT is missing"),
        ({"AZURE_OPENAI_API_KEY": "k"}, "AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_MODEL are missing"),
        ({"OPENAI_API_KEY": "sk"}, "OPENAI_CHAT_COMPLETION_MODEL is missing"),
        (
            {"OPENAI_BASE_URL": "http://localhost:11434/v1", "OPENAI_CHAT_COMPLETION_MODEL": "m"},
            "OPENAI_API_KEY is missing",
        ),
    ],
)
def test_half_configured_model_fails_naming_the_missing_setting(env: dict[str, str], missing: str) -> None:
    with pytest.raises(SettingsError, match=missing):
        load_model_settings(env)


def test_both_model_families_at_once_is_an_error() -> None:
    with pytest.raises(SettingsError, match="keep only one"):
        load_model_settings({"AZURE_OPENAI_ENDPOINT": "e", "AZURE_OPENAI_MODEL": "m", "OPENAI_API_KEY": "k"})


@pytest.mark.parametrize("value", ["abc", "-5", "1.5"])
def test_offline_latency_must_be_a_non_negative_whole_number(value: str) -> None:
    with pytest.raises(SettingsError, match="OFFLINE_MODEL_LATENCY_MS"):
        load_model_settings({"OFFLINE_MODEL_LATENCY_MS": value})


def test_offline_latency_is_read() -> None:
    assert load_model_settings({"OFFLINE_MODEL_LATENCY_MS": "250"}).offline_latency_ms == 250


def test_model_calls_are_bounded_by_default() -> None:
    settings = load_model_settings({})
    assert (settings.timeout_seconds, settings.output_token_cap, settings.response_format) == (60.0, 4096, "auto")
    assert settings.retry.max_attempts == 3


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MODEL_TIMEOUT_SECONDS", "soon"),
        ("MODEL_TIMEOUT_SECONDS", "0"),
        ("MODEL_TIMEOUT_SECONDS", "601"),
        ("MODEL_MAX_OUTPUT_TOKENS", "100"),
        ("MODEL_MAX_OUTPUT_TOKENS", "lots"),
        ("MODEL_RESPONSE_FORMAT", "xml"),
        ("MODEL_MAX_ATTEMPTS", "0"),
        ("MODEL_MAX_ATTEMPTS", "11"),
        ("MODEL_RETRY_DELAY_SECONDS", "-1"),
    ],
)
def test_bad_model_call_settings_fail_naming_the_setting(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_model_settings({name: value})


def test_retries_wait_longer_each_time_and_at_least_what_the_server_asked() -> None:
    policy = load_model_settings({"MODEL_RETRY_DELAY_SECONDS": "10"}).retry
    assert [policy.delay_before(n) for n in (2, 3, 4)] == [10, 30, 90]
    assert policy.delay_before(2, retry_after=45) == 45
    assert policy.delay_before(9) == policy.delay_before(2, retry_after=10_000) == policy.max_delay_seconds


def test_the_defaults_end_a_persistent_outage_within_five_minutes() -> None:
    """Worst case: every attempt hangs until its time-out, then waits its backoff."""
    settings = load_model_settings({})
    policy = settings.retry
    waits = sum(policy.delay_before(n) for n in range(2, policy.max_attempts + 1))
    assert policy.max_attempts * settings.timeout_seconds + waits <= 300


def test_the_openai_client_is_bounded_and_leaves_retries_to_the_flows() -> None:
    settings = load_model_settings(
        {"OPENAI_API_KEY": "k", "OPENAI_CHAT_COMPLETION_MODEL": "m", "MODEL_TIMEOUT_SECONDS": "12"}
    )
    client = create_chat_client(settings)
    assert (client.client.timeout, client.client.max_retries) == (12.0, 0)  # type: ignore[attr-defined]
    [guard] = client.chat_middleware  # type: ignore[attr-defined]
    assert (guard.timeout_seconds, guard.max_output_tokens) == (12.0, 4096)


def test_mail_defaults_to_the_outbox_under_the_local_data_dir() -> None:
    mail = load_mail_settings({"LOCAL_DATA_DIR": "/tmp/x"})
    assert mail.smtp_host is None
    assert Path(mail.outbox_dir) == Path("/tmp/x/outbox")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SMTP_PORT": "2525"}, "SMTP_HOST is missing"),
        ({"SMTP_HOST": "h", "SMTP_USERNAME": "u"}, "SMTP_USERNAME and SMTP_PASSWORD"),
        ({"SMTP_HOST": "h", "SMTP_SECURITY": "tls"}, "SMTP_SECURITY"),
        ({"SMTP_HOST": "h", "SMTP_PORT": "0"}, "SMTP_PORT"),
    ],
)
def test_half_configured_smtp_fails(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_mail_settings(env)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "local"),
        ({"AzureWebJobsStorage": "UseDevelopmentStorage=true"}, "local"),
        ({"AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k"}, "connection"),
        ({"CONTENT_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true"}, "connection"),
        ({"AzureWebJobsStorage__accountName": "acct"}, "https://acct.blob.core.windows.net"),
    ],
)
def test_storage_rule(env: dict[str, str], expected: str) -> None:
    storage = load_storage_settings(env)
    if expected == "local":
        assert not storage.uses_blob
    elif expected == "connection":
        assert storage.connection_string and storage.uses_blob
    else:
        assert storage.account_url == expected


@pytest.mark.parametrize("container", ["Agent_Content", "ab", "-content", "agent--content"])
def test_content_container_must_be_a_blob_container_name(container: str) -> None:
    with pytest.raises(SettingsError, match="CONTENT_CONTAINER"):
        load_storage_settings({"CONTENT_CONTAINER": container})


@pytest.mark.parametrize(
    ("env", "root"),
    [
        ({"PUBLIC_BASE_URL": "https://agents.example.com/", "WEBSITE_HOSTNAME": "x"}, "https://agents.example.com/api"),
        ({"PUBLIC_BASE_URL": "https://example.com/agents"}, "https://example.com/agents/api"),
        (
            {"WEBSITE_HOSTNAME": "app.azurewebsites.net", "WEBSITE_SITE_NAME": "app"},
            "https://app.azurewebsites.net/api",
        ),
        ({"WEBSITE_HOSTNAME": "localhost:7072"}, "http://localhost:7072/api"),  # Core Tools and the local host
        ({}, "http://localhost:7071/api"),
    ],
)
def test_links_point_to_the_public_base_url_else_the_app_host_name(env: dict[str, str], root: str) -> None:
    assert public_api_root(env) == root


@pytest.mark.parametrize(
    "url",
    [
        "agents.example.com",
        "ftp://agents.example.com",
        "https://agents.example.com/?x=1",
        "https://user:pw@agents.example.com",
        "https://",
    ],
)
def test_public_base_url_must_be_a_plain_http_url(url: str) -> None:
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL"):
        load_settings({"PUBLIC_BASE_URL": url, "LOCAL_DATA_DIR": "/tmp/agent-settings-test"})


@pytest.mark.parametrize("name", ["MAIL_FROM", "REVIEWER_EMAIL", "ESCALATION_EMAIL"])
@pytest.mark.parametrize("value", ["a@example.com, b@example.com", "Team: a@example.com;", "not an address"])
def test_every_address_setting_holds_exactly_one_address(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_mail_settings({name: value})


def test_address_settings_are_kept_as_parsed() -> None:
    mail = load_mail_settings({"MAIL_FROM": "  Agents   <agents@contoso.com> ", "REVIEWER_EMAIL": "rita@contoso.com"})
    assert (mail.sender, mail.reviewer) == ("Agents <agents@contoso.com>", "rita@contoso.com")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ACTIVITY_MAX_ATTEMPTS": "0"}, "ACTIVITY_MAX_ATTEMPTS must be between 1 and 20"),
        ({"ACTIVITY_FIRST_RETRY_SECONDS": "soon"}, "ACTIVITY_FIRST_RETRY_SECONDS must be a number"),
        ({"ACTIVITY_FIRST_RETRY_SECONDS": "0"}, "ACTIVITY_FIRST_RETRY_SECONDS must be between 0.1 and 3600"),
        ({"SMTP_HOST": "h", "SMTP_TIMEOUT_SECONDS": "-1"}, "SMTP_TIMEOUT_SECONDS must be between 0.1 and 600"),
    ],
)
def test_retry_and_timeout_settings_are_checked(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({**env, "LOCAL_DATA_DIR": "/tmp/agent-settings-test"})


def test_retry_and_timeout_settings_are_read() -> None:
    settings = load_settings(
        {
            "ACTIVITY_MAX_ATTEMPTS": "3",
            "ACTIVITY_FIRST_RETRY_SECONDS": "0.5",
            "SMTP_HOST": "h",
            "SMTP_TIMEOUT_SECONDS": "10",
            "LOCAL_DATA_DIR": "/tmp/agent-settings-test",
        }
    )
    assert (settings.activity_retry.max_attempts, settings.activity_retry.first_retry_seconds) == (3, 0.5)
    assert settings.mail.smtp_timeout_seconds == 10


AZURE = {
    "WEBSITE_SITE_NAME": "func-agents",
    "WEBSITE_INSTANCE_ID": "0a1b2c",
    "WEBSITE_HOSTNAME": "func-agents.azurewebsites.net",
    "REVIEW_LINK_KEY": "k" * 64,
}


def test_in_azure_the_local_folders_default_to_the_temp_dir_and_mail_without_smtp_is_warned_about() -> None:
    settings = load_settings(AZURE)

    assert settings.storage.local_dir == os.path.join(tempfile.gettempdir(), "agent-data")
    assert Path(settings.mail.outbox_dir).is_relative_to(tempfile.gettempdir())
    mail, artifacts = settings.warnings
    assert "No SMTP_HOST in Azure" in mail and "lost when the instance is recycled" in mail
    assert "No blob storage in Azure" in artifacts
    configured = {**AZURE, "SMTP_HOST": "smtp.example.com", "AzureWebJobsStorage__accountName": "stagents"}
    assert load_settings(configured).warnings == []


def test_outside_azure_the_local_folder_is_under_the_working_directory() -> None:
    assert load_storage_settings({}).local_dir == os.path.join(".devhost", "data")


def test_a_local_folder_that_cannot_be_written_stops_the_start_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "read-only"
    blocker.write_text("a file where the folder should be")

    with pytest.raises(SettingsError, match=f"LOCAL_DATA_DIR {blocker / 'data'} is not writable"):
        load_settings({"LOCAL_DATA_DIR": str(blocker / "data")})
    load_settings(
        {
            "LOCAL_DATA_DIR": str(blocker / "data"),
            "SMTP_HOST": "h",
            "CONTENT_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true",
        }
    )  # no local folder needed


def start_app() -> None:
    """Build the app as the host's import of function_app.py does (agent_app.py, in a fresh namespace: the session's
    app is left alone)."""
    app_settings.cache_clear()  # a new process would read them afresh
    runpy.run_path(str(ROOT / "agent_app.py"), run_name="agent_app")


@pytest.mark.parametrize(
    ("settings", "missing"),
    [
        ({"SMTP_PORT": "2525"}, "SMTP_HOST"),
        ({"SMTP_HOST": "smtp.example.com", "SMTP_USERNAME": "u"}, "SMTP_PASSWORD"),
        ({"AZURE_OPENAI_ENDPOINT": "https://x.openai.azure.com"}, "AZURE_OPENAI_MODEL"),
        ({"CONTENT_CONTAINER": "Agent_Content"}, "CONTENT_CONTAINER"),
    ],
)
def test_a_bad_setting_fails_the_app_at_import(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, settings: dict[str, str], missing: str
) -> None:
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=missing):
        start_app()


def test_the_start_logs_where_mail_and_artifacts_go(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SMTP_HOST", "smtp.example.com")
    monkeypatch.setenv("SMTP_PORT", "2525")
    with caplog.at_level(logging.INFO):
        start_app()
    assert "Mail goes to SMTP smtp.example.com:2525" in caplog.text
    assert f"Artifacts go to the local folder {app_env.resolve()}" in caplog.text

    monkeypatch.delenv("SMTP_HOST")
    monkeypatch.delenv("SMTP_PORT")
    monkeypatch.setenv("CONTENT_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true")
    caplog.clear()
    with caplog.at_level(logging.INFO):
        start_app()
    assert f"Mail goes to the local outbox folder {(app_env / 'outbox').resolve()}" in caplog.text
    assert "Artifacts go to Azure Blob Storage container 'agent-content'" in caplog.text


def test_in_azure_the_start_log_warns_about_what_would_be_lost(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("WEBSITE_SITE_NAME", "func-agents")
    monkeypatch.setenv("REVIEW_LINK_KEY", "k" * 64)
    with caplog.at_level(logging.WARNING):
        start_app()
    assert "No SMTP_HOST in Azure" in caplog.text and "No blob storage in Azure" in caplog.text


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({**AZURE, "REVIEW_LINK_KEY": ""}, "REVIEW_LINK_KEY is missing"),
        ({"REVIEW_LINK_KEY": "short"}, "REVIEW_LINK_KEY must be at least 15 characters"),
        (
            {"REVIEW_LINK_KEY": "k" * 32, "REVIEW_LINK_PREVIOUS_KEY": "old"},
            "REVIEW_LINK_PREVIOUS_KEY must be at least 15",
        ),
        ({"REVIEW_LINK_PREVIOUS_KEY": "p" * 32}, "REVIEW_LINK_PREVIOUS_KEY is set without REVIEW_LINK_KEY"),
    ],
)
def test_review_link_keys_that_cannot_sign_safely_fail_the_start(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env)
