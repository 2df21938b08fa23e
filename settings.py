"""Typed view of the app settings (environment variables / local.settings.json Values).

Read when the app starts so that a half-configured setting fails the start with a
message naming it, instead of failing the first request. Empty values count as unset:
local.settings.json.example lists every setting with an empty default.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ModelProvider = Literal["azure_openai", "openai", "offline"]
SmtpSecurity = Literal["auto", "starttls", "ssl", "none"]

AZURE_OPENAI_SETTINGS = ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_MODEL", "AZURE_OPENAI_API_KEY")
OPENAI_SETTINGS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_CHAT_COMPLETION_MODEL")
DEVELOPMENT_STORAGE = "UseDevelopmentStorage=true"
LOCAL_BASE_URL = "http://localhost:7071"
API_PREFIX = "/api"
CONTAINER_NAME = re.compile(r"^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")


class SettingsError(ValueError):
    """A setting is missing, contradictory or malformed."""


@dataclass(frozen=True)
class ModelSettings:
    """Which chat model serves the agents."""

    provider: ModelProvider
    model: str | None = None
    endpoint: str | None = None
    api_key: str | None = None
    base_url: str | None = None
    offline_latency_ms: int = 0


@dataclass(frozen=True)
class MailSettings:
    """How mail leaves the app: SMTP when SMTP_HOST is set, else .eml files in the outbox folder."""

    sender: str
    reviewer: str
    escalation: str
    outbox_dir: str
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_security: SmtpSecurity = "auto"

    @property
    def destination(self) -> str:
        """Where mail goes, for the log at start."""
        if self.smtp_host:
            return f"SMTP {self.smtp_host}:{self.smtp_port} (security: {self.smtp_security})"
        return f"the local outbox folder {Path(self.outbox_dir).resolve()}"


@dataclass(frozen=True)
class StorageSettings:
    """Where artifacts (quarantine, published content, the idempotency ledger) are kept."""

    local_dir: str
    container: str
    connection_string: str | None = None
    account_url: str | None = None

    @property
    def uses_blob(self) -> bool:
        return bool(self.connection_string or self.account_url)

    @property
    def destination(self) -> str:
        """Where artifacts go, for the log at start (never the connection string: it holds a key)."""
        if self.uses_blob:
            return f"Azure Blob Storage container {self.container!r}" + (f" at {self.account_url}" if self.account_url else "")
        return f"the local folder {Path(self.local_dir).resolve()}"


@dataclass(frozen=True)
class Settings:
    """Every setting family of the app."""

    model: ModelSettings
    mail: MailSettings
    storage: StorageSettings
    spam_model_path: Path | None = None


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = _get(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _require(env: Mapping[str, str], family: str, names: tuple[str, ...]) -> None:
    missing = [name for name in names if _get(env, name) is None]
    if missing:
        present = [name for name in (*AZURE_OPENAI_SETTINGS, *OPENAI_SETTINGS) if _get(env, name)]
        raise SettingsError(
            f"{family} is half-configured: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing "
            f"({', '.join(present)} set). Set {' and '.join(missing)}, or clear the {family} settings "
            "to use the offline model."
        )


def load_settings(env: Mapping[str, str] = os.environ) -> Settings:
    """Read and validate every family at once: the app calls this at start, so any bad setting fails the start."""
    return Settings(
        model=load_model_settings(env),
        mail=load_mail_settings(env),
        storage=load_storage_settings(env),
        spam_model_path=load_spam_model_path(env),
    )


def load_model_settings(env: Mapping[str, str] = os.environ) -> ModelSettings:
    """Pick Azure OpenAI, OpenAI (or a compatible server) or the offline model from the settings."""
    latency = _int(env, "OFFLINE_MODEL_LATENCY_MS", 0)
    uses_azure = any(_get(env, name) for name in AZURE_OPENAI_SETTINGS)
    uses_openai = any(_get(env, name) for name in OPENAI_SETTINGS)
    if uses_azure and uses_openai:
        raise SettingsError(
            "Both Azure OpenAI (AZURE_OPENAI_*) and OpenAI (OPENAI_*) settings are set; keep only one family."
        )
    if uses_azure:
        _require(env, "Azure OpenAI", ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_MODEL"))
        return ModelSettings(
            provider="azure_openai",
            endpoint=_get(env, "AZURE_OPENAI_ENDPOINT"),
            model=_get(env, "AZURE_OPENAI_MODEL"),
            api_key=_get(env, "AZURE_OPENAI_API_KEY"),
            offline_latency_ms=latency,
        )
    if uses_openai:
        _require(env, "OpenAI", ("OPENAI_API_KEY", "OPENAI_CHAT_COMPLETION_MODEL"))
        return ModelSettings(
            provider="openai",
            model=_get(env, "OPENAI_CHAT_COMPLETION_MODEL"),
            api_key=_get(env, "OPENAI_API_KEY"),
            base_url=_get(env, "OPENAI_BASE_URL"),
            offline_latency_ms=latency,
        )
    return ModelSettings(provider="offline", offline_latency_ms=latency)


def load_mail_settings(env: Mapping[str, str] = os.environ) -> MailSettings:
    """Read the SMTP settings; a username without password (or the reverse) is an error."""
    security = (_get(env, "SMTP_SECURITY") or "auto").lower()
    if security not in ("auto", "starttls", "ssl", "none"):
        raise SettingsError(f"SMTP_SECURITY must be one of auto, starttls, ssl, none; got {security!r}")
    username, password = _get(env, "SMTP_USERNAME"), _get(env, "SMTP_PASSWORD")
    if bool(username) != bool(password):
        raise SettingsError("SMTP_USERNAME and SMTP_PASSWORD must be set together")
    host = _get(env, "SMTP_HOST")
    if host is None and any(_get(env, n) for n in ("SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD")):
        raise SettingsError("SMTP settings are half-configured: SMTP_HOST is missing")
    return MailSettings(
        sender=_get(env, "MAIL_FROM") or "Agent Mail <agents@example.com>",
        reviewer=_get(env, "REVIEWER_EMAIL") or "reviewer@example.com",
        escalation=_get(env, "ESCALATION_EMAIL") or "editor-in-chief@example.com",
        outbox_dir=os.path.join(_local_dir(env), "outbox"),
        smtp_host=host,
        smtp_port=_int(env, "SMTP_PORT", 465 if security == "ssl" else 587, minimum=1),
        smtp_username=username,
        smtp_password=password,
        smtp_security=security,  # type: ignore[arg-type]
    )


def load_storage_settings(env: Mapping[str, str] = os.environ) -> StorageSettings:
    """Choose the artifact store.

    CONTENT_STORAGE_CONNECTION_STRING wins (use it for Azurite or a dedicated account).
    Otherwise the app's own storage, AzureWebJobsStorage, is used when it points at a real
    account: a connection string other than UseDevelopmentStorage=true, or the identity-based
    AzureWebJobsStorage__blobServiceUri / AzureWebJobsStorage__accountName. Else a local folder.
    """
    container = _get(env, "CONTENT_CONTAINER") or "agent-content"
    if not CONTAINER_NAME.match(container):
        raise SettingsError(
            f"CONTENT_CONTAINER must be a blob container name (3-63 lowercase letters, digits and single "
            f"hyphens, starting and ending with a letter or digit); got {container!r}"
        )
    local_dir = _local_dir(env)
    explicit = _get(env, "CONTENT_STORAGE_CONNECTION_STRING")
    if explicit:
        return StorageSettings(local_dir=local_dir, container=container, connection_string=explicit)
    host_storage = _get(env, "AzureWebJobsStorage")
    if host_storage and host_storage.replace(" ", "") != DEVELOPMENT_STORAGE:
        return StorageSettings(local_dir=local_dir, container=container, connection_string=host_storage)
    account_url = _get(env, "AzureWebJobsStorage__blobServiceUri")
    if account_url is None and (account := _get(env, "AzureWebJobsStorage__accountName")):
        account_url = f"https://{account}.blob.core.windows.net"
    return StorageSettings(local_dir=local_dir, container=container, account_url=account_url)


def load_spam_model_path(env: Mapping[str, str] = os.environ) -> Path | None:
    """SPAM_MODEL_PATH: a spam model trained by `python -m agents.spam_classifier train` to use instead of the bundled one."""
    raw = _get(env, "SPAM_MODEL_PATH")
    if raw is None:
        return None
    if not Path(raw).is_file():
        raise SettingsError(f"SPAM_MODEL_PATH must name a trained model file; {raw!r} is not a file")
    return Path(raw)


def public_api_root(started_from: str | None = None, env: Mapping[str, str] = os.environ) -> str:
    """The API root for links in mail, e.g. "http://localhost:7071/api".

    PUBLIC_BASE_URL wins (the app behind a proxy); else the API root of the request that started
    the flow. A flow started another way (the durable management API) falls back to the Azure host
    name, then to the local default.
    """
    if explicit := _get(env, "PUBLIC_BASE_URL"):
        return explicit.rstrip("/") + API_PREFIX
    if started_from:
        return started_from.rstrip("/")
    if host := _get(env, "WEBSITE_HOSTNAME"):
        return f"https://{host}{API_PREFIX}"
    return LOCAL_BASE_URL + API_PREFIX


def _local_dir(env: Mapping[str, str]) -> str:
    return _get(env, "LOCAL_DATA_DIR") or os.path.join(".devhost", "data")
