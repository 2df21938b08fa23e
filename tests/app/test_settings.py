"""Which model, mail transport and artifact store the settings select, and the errors for half a setup."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from agent_framework.openai import OpenAIChatCompletionClient

from agents.model_client import create_chat_client
from agents.offline import OfflineChatClient
from settings import SettingsError, load_mail_settings, load_model_settings, load_storage_settings, public_base_url


def test_no_model_settings_selects_the_offline_model_and_logs_it(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_model_settings({"AZURE_OPENAI_ENDPOINT": "", "OPENAI_API_KEY": " "})
    with caplog.at_level(logging.INFO):
        client = create_chat_client(settings)
    assert settings.provider == "offline"
    assert isinstance(client, OfflineChatClient)
    assert "offline model" in caplog.text


def test_azure_openai_with_a_key() -> None:
    settings = load_model_settings(
        {"AZURE_OPENAI_ENDPOINT": "https://x.openai.azure.com", "AZURE_OPENAI_MODEL": "gpt-4o-mini", "AZURE_OPENAI_API_KEY": "k"}
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
        {"OPENAI_API_KEY": "ollama", "OPENAI_BASE_URL": "http://localhost:11434/v1", "OPENAI_CHAT_COMPLETION_MODEL": "llama3.2"}
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
        ({"OPENAI_BASE_URL": "http://localhost:11434/v1", "OPENAI_CHAT_COMPLETION_MODEL": "m"}, "OPENAI_API_KEY is missing"),
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


def test_public_base_url_prefers_the_setting_then_the_azure_host_name() -> None:
    assert public_base_url({}) == "http://localhost:7071"
    assert public_base_url({"WEBSITE_HOSTNAME": "app.azurewebsites.net"}) == "https://app.azurewebsites.net"
    assert public_base_url({"PUBLIC_BASE_URL": "https://agents.example.com/", "WEBSITE_HOSTNAME": "x"}) == "https://agents.example.com"
