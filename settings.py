"""Typed view of the app settings (environment variables / local.settings.json Values).

Read when the app starts so that a half-configured setting fails the start with a
message naming it, instead of failing the first request. Empty values count as unset:
local.settings.json.example lists every setting with an empty default.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address, HeaderRegistry
from pathlib import Path
from typing import Literal, TypedDict, TypeVar
from urllib.parse import urlsplit

ModelProvider = Literal["azure_openai", "openai", "offline"]
ResponseFormatMode = Literal["auto", "json_schema", "json_object"]
OutputCapField = Literal["max_tokens", "max_completion_tokens"]
OutputCapFieldMode = Literal["auto", "max_tokens", "max_completion_tokens"]
SmtpSecurity = Literal["auto", "starttls", "ssl", "none"]

AZURE_OPENAI_SETTINGS = ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_MODEL", "AZURE_OPENAI_API_KEY")
OPENAI_SETTINGS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_CHAT_COMPLETION_MODEL")
OPENAI_HOSTED = re.compile(
    r"(^|\.)(api\.openai\.com|openai\.azure\.com|services\.ai\.azure\.com|cognitiveservices\.azure\.com)$"
)
"""Hosts of OpenAI's and Azure's own endpoints, whose newer models take only `max_completion_tokens`."""
DEVELOPMENT_STORAGE = "UseDevelopmentStorage=true"
LOCAL_BASE_URL = "http://localhost:7071"
API_PREFIX = "/api"
CONTAINER_NAME = re.compile(r"^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")
AZURE_HOSTING_MARKERS = ("WEBSITE_INSTANCE_ID", "WEBSITE_SITE_NAME")
"""Set by the App Service platform that runs Azure Functions (every plan), not by Core Tools or the local host."""
_HEADERS = HeaderRegistry()
ADDRESS_SETTINGS = {
    "MAIL_FROM": "Agent Mail <agents@example.com>",
    "REVIEWER_EMAIL": "reviewer@example.com",
    "ESCALATION_EMAIL": "editor-in-chief@example.com",
}


Number = TypeVar("Number", int, float)
Choice = TypeVar("Choice", bound=str)


class SettingsError(ValueError):
    """A setting is missing, contradictory or malformed."""


@dataclass(frozen=True)
class ModelRetryPolicy:
    """How the flows retry a model call that failed for a transient reason (durable timers between attempts).

    Read once when the app starts: like code, a change applies to in-flight flows when they replay.
    """

    max_attempts: int = 3
    first_delay_seconds: float = 10.0
    max_delay_seconds: float = 300.0

    def delay_before(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before `attempt` (2, 3, ...): tripled each time, at least what the server asked for."""
        backoff = self.first_delay_seconds * 3.0 ** (attempt - 2)
        return min(self.max_delay_seconds, max(backoff, retry_after or 0.0))


@dataclass(frozen=True)
class ModelSettings:
    """Which chat model serves the agents."""

    provider: ModelProvider
    model: str | None = None
    endpoint: str | None = None
    api_key: str | None = None
    base_url: str | None = None
    offline_latency_ms: int = 0
    timeout_seconds: float = 60.0
    max_output_tokens: int | None = None
    """MODEL_MAX_OUTPUT_TOKENS; None: `output_token_cap` picks it by the field that carries it."""
    output_cap_field: OutputCapFieldMode = "auto"
    response_format: ResponseFormatMode = "auto"
    retry: ModelRetryPolicy = field(default_factory=ModelRetryPolicy)

    @property
    def output_token_cap(self) -> int:
        """The output cap of each request: MODEL_MAX_OUTPUT_TOKENS, else 4096 where it is `max_completion_tokens`
        (a reasoning model's thinking counts against it) and 2048 where it is `max_tokens` (self-hosted servers:
        the longest answer, an article, takes about 1,000 tokens, and a model that runs on keeps a small server's
        only slot busy until its cap)."""
        if self.max_output_tokens is not None:
            return self.max_output_tokens
        return 4096 if self.first_output_cap_field == "max_completion_tokens" else 2048

    @property
    def first_output_cap_field(self) -> OutputCapField:
        """The request field that carries the output cap, before any server said otherwise.

        OpenAI's and Azure's endpoints want `max_completion_tokens` (their reasoning models reject `max_tokens`);
        every other Chat Completions server (llama.cpp, Ollama, vLLM, LM Studio) honours `max_tokens`, and some
        ignore `max_completion_tokens` altogether, which leaves generation unbounded.
        """
        if self.output_cap_field != "auto":
            return self.output_cap_field
        if self.provider == "azure_openai" or not self.base_url:
            return "max_completion_tokens"
        host = urlsplit(self.base_url).hostname or ""
        return "max_completion_tokens" if OPENAI_HOSTED.search(host) else "max_tokens"


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
    smtp_timeout_seconds: float = 30.0

    @property
    def destination(self) -> str:
        """Where mail goes, for the log at start."""
        if self.smtp_host:
            return f"SMTP {self.smtp_host}:{self.smtp_port} (security: {self.smtp_security})"
        return f"the local outbox folder {Path(self.outbox_dir).resolve()}"

    @property
    def server(self) -> str:
        return f"{self.smtp_host}:{self.smtp_port}"


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
            return f"Azure Blob Storage container {self.container!r}" + (
                f" at {self.account_url}" if self.account_url else ""
            )
        return f"the local folder {Path(self.local_dir).resolve()}"


@dataclass(frozen=True)
class ActivityRetrySettings:
    """How often a failing side effect (mail, storage) is tried, and how long before the first retry.

    The wait doubles after each failure, up to five minutes (see `orchestrations.activity_calls.call_step`).
    """

    max_attempts: int = 5
    first_retry_seconds: float = 5.0
    max_delay_seconds: float = 300.0

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before `attempt` (2, 3, ...): doubled each time, at most `max_delay_seconds`."""
        return min(self.max_delay_seconds, self.first_retry_seconds * 2.0 ** (attempt - 2))


@dataclass(frozen=True)
class ReviewSettings:
    """The shortest deadline a review stage (the reviewer's, then the escalation contact's) may be given.

    Long enough by default for a person to read a mail; REVIEW_MIN_DEADLINE_SECONDS lowers it for tests and demos.
    The longest, four weeks, is fixed (`orchestrations.inputs.MAX_DEADLINE_HOURS`).
    """

    min_deadline_seconds: float = 60.0


@dataclass(frozen=True)
class Settings:
    """Every setting family of the app."""

    model: ModelSettings
    mail: MailSettings
    storage: StorageSettings
    activity_retry: ActivityRetrySettings = ActivityRetrySettings()
    review: ReviewSettings = ReviewSettings()
    in_azure: bool = False

    @property
    def warnings(self) -> list[str]:
        """What the start log warns about: in Azure, what goes to the local folder reaches nobody and is lost."""
        if not self.in_azure:
            return []
        lost = "on this instance, where nobody reads it and it is lost when the instance is recycled"
        warnings = []
        if not self.mail.smtp_host:
            warnings.append(
                f"No SMTP_HOST in Azure: mail is written to {self.mail.outbox_dir} {lost}. "
                "Set SMTP_HOST (e.g. Azure Communication Services Email)."
            )
        if not self.storage.uses_blob:
            warnings.append(
                f"No blob storage in Azure: artifacts and the idempotency ledger go to "
                f"{self.storage.local_dir} {lost}. Set CONTENT_STORAGE_CONNECTION_STRING or "
                "AzureWebJobsStorage to a storage account."
            )
        return warnings

    spam_model_path: Path | None = None
    api_root: str = "http://localhost:7071/api"
    """Where links in mail point (see `public_api_root`)."""
    review_link_keys: ReviewLinkKeys = field(default_factory=lambda: ReviewLinkKeys(None, None, _local_dir({})))
    app_service_auth: bool = False
    """WEBSITE_AUTH_ENABLED: App Service Authentication is on, so requests carry the signed-in user."""


@functools.cache
def app_settings() -> Settings:
    """The settings the app runs on: read from the environment and validated once per process, at start
    (`agent_app`); every activity and route reads them here, never the environment."""
    return load_settings()


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    return _bounded(env, name, default, int, "a whole number", minimum, maximum)


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float, maximum: float) -> float:
    return _bounded(env, name, default, float, "a number of seconds", minimum, maximum)


def _bounded(
    env: Mapping[str, str],
    name: str,
    default: Number,
    parse: Callable[[str], Number],
    kind: str,
    minimum: float,
    maximum: float | None,
) -> Number:
    """A numeric setting within its bounds, or SettingsError naming it; unset is `default`."""
    raw = _get(env, name)
    if raw is None:
        return default
    try:
        value = parse(raw)
    except ValueError:
        raise SettingsError(f"{name} must be {kind}, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum:g} and {maximum:g}" if maximum is not None else f"at least {minimum:g}"
        raise SettingsError(f"{name} must be {bounds}, got {raw}")
    return value


def single_mailbox(value: str) -> Address:
    """Parse one mailbox ("jane@example.com" or "Jane <jane@example.com>") as a mail header would.

    Raises ValueError for anything that is not exactly one address: lists, groups, junk that a mail
    library would repair into extra recipients. Mail is then addressed to the parsed address only.
    """
    try:
        header = _HEADERS("To", value)
        # typeshed types every registry header as BaseHeader; "To" is built on AddressHeader (typeshed types that
        # one as a bare mixin, so an isinstance narrowing is ruled out as impossible).
        groups = header.groups  # type: ignore[attr-defined]
    except Exception:  # the standard parser raises IndexError on input such as "a@"
        raise ValueError("must be one email address such as 'Jane <jane@example.com>'") from None
    if len(groups) != 1 or groups[0].display_name is not None or len(groups[0].addresses) != 1:
        raise ValueError("must be exactly one email address, not a list or a group")
    address = groups[0].addresses[0]
    if header.defects or not address.username or not address.domain:
        raise ValueError("must be one email address such as 'Jane <jane@example.com>'")
    try:
        domain = address.domain.encode("idna").decode("ascii")  # an international domain name, as DNS spells it
    except UnicodeError:
        raise ValueError(f"has a domain that is not a valid host name: {address.domain!r}") from None
    return Address(address.display_name, address.username, domain)


def running_in_azure(env: Mapping[str, str] = os.environ) -> bool:
    """True on the Azure Functions platform, where the app folder is read-only when run from a package."""
    return any(_get(env, name) for name in AZURE_HOSTING_MARKERS)


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
    settings = Settings(
        model=load_model_settings(env),
        mail=load_mail_settings(env),
        storage=load_storage_settings(env),
        activity_retry=load_activity_retry_settings(env),
        review=load_review_settings(env),
        in_azure=running_in_azure(env),
        spam_model_path=load_spam_model_path(env),
        api_root=public_api_root(env),
        review_link_keys=load_review_link_keys(env),
        app_service_auth=(_get(env, "WEBSITE_AUTH_ENABLED") or "").lower() == "true",
    )
    if not settings.mail.smtp_host or not settings.storage.uses_blob:
        _check_writable(settings.storage.local_dir)
    return settings


def load_model_settings(env: Mapping[str, str] = os.environ) -> ModelSettings:
    """Pick Azure OpenAI, OpenAI (or a compatible server) or the offline model from the settings."""
    common = _model_call_settings(env)
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
            **common,
        )
    if uses_openai:
        _require(env, "OpenAI", ("OPENAI_API_KEY", "OPENAI_CHAT_COMPLETION_MODEL"))
        return ModelSettings(
            provider="openai",
            model=_get(env, "OPENAI_CHAT_COMPLETION_MODEL"),
            api_key=_get(env, "OPENAI_API_KEY"),
            base_url=_get(env, "OPENAI_BASE_URL"),
            **common,
        )
    return ModelSettings(provider="offline", **common)


class _ModelCallSettings(TypedDict):
    """The fields of ModelSettings that every provider shares."""

    offline_latency_ms: int
    timeout_seconds: float
    max_output_tokens: int | None
    output_cap_field: OutputCapFieldMode
    response_format: ResponseFormatMode
    retry: ModelRetryPolicy


def _model_call_settings(env: Mapping[str, str]) -> _ModelCallSettings:
    """The bounds and retry policy every model call gets, whichever provider serves it."""
    mode: ResponseFormatMode = _choice(env, "MODEL_RESPONSE_FORMAT", ("auto", "json_schema", "json_object"))
    cap_field: OutputCapFieldMode = _choice(
        env, "MODEL_MAX_TOKENS_FIELD", ("auto", "max_tokens", "max_completion_tokens")
    )
    return {
        "offline_latency_ms": _int(env, "OFFLINE_MODEL_LATENCY_MS", 0),
        "timeout_seconds": _number(env, "MODEL_TIMEOUT_SECONDS", 60.0, minimum=1, maximum=600),
        "max_output_tokens": _int(env, "MODEL_MAX_OUTPUT_TOKENS", 0, minimum=256, maximum=128_000) or None,
        "output_cap_field": cap_field,
        "response_format": mode,
        "retry": ModelRetryPolicy(
            max_attempts=_int(env, "MODEL_MAX_ATTEMPTS", 3, minimum=1, maximum=10),
            first_delay_seconds=_number(env, "MODEL_RETRY_DELAY_SECONDS", 10.0, minimum=0.1, maximum=300),
        ),
    }


def _choice(env: Mapping[str, str], name: str, choices: tuple[Choice, ...]) -> Choice:
    """A setting that names one of a few choices, the first being the default; any case."""
    value = (_get(env, name) or choices[0]).lower()
    for choice in choices:
        if value == choice:
            return choice
    raise SettingsError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def load_mail_settings(env: Mapping[str, str] = os.environ) -> MailSettings:
    """Read the SMTP settings; a username without password (or the reverse) is an error."""
    security: SmtpSecurity = _choice(env, "SMTP_SECURITY", ("auto", "starttls", "ssl", "none"))
    username, password = _get(env, "SMTP_USERNAME"), _get(env, "SMTP_PASSWORD")
    if bool(username) != bool(password):
        raise SettingsError("SMTP_USERNAME and SMTP_PASSWORD must be set together")
    host = _get(env, "SMTP_HOST")
    if host is None and any(_get(env, n) for n in ("SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD")):
        raise SettingsError("SMTP settings are half-configured: SMTP_HOST is missing")
    sender, reviewer, escalation = (_address(env, name) for name in ADDRESS_SETTINGS)
    return MailSettings(
        sender=sender,
        reviewer=reviewer,
        escalation=escalation,
        outbox_dir=os.path.join(_local_dir(env), "outbox"),
        smtp_host=host,
        smtp_port=_int(env, "SMTP_PORT", 465 if security == "ssl" else 587, minimum=1),
        smtp_username=username,
        smtp_password=password,
        smtp_security=security,
        smtp_timeout_seconds=_number(env, "SMTP_TIMEOUT_SECONDS", 30.0, minimum=0.1, maximum=600),
    )


def _address(env: Mapping[str, str], name: str) -> str:
    """An address setting: exactly one mailbox, or the start fails naming the setting."""
    value = _get(env, name) or ADDRESS_SETTINGS[name]
    try:
        return str(single_mailbox(value))
    except ValueError as error:
        raise SettingsError(f"{name} {error}; got {value!r}") from None


def load_activity_retry_settings(env: Mapping[str, str] = os.environ) -> ActivityRetrySettings:
    """How activities are retried on transient failures (SMTP 4xx, timeouts, Blob 5xx, a full disk)."""
    return ActivityRetrySettings(
        max_attempts=_int(env, "ACTIVITY_MAX_ATTEMPTS", 5, minimum=1, maximum=20),
        first_retry_seconds=_number(env, "ACTIVITY_FIRST_RETRY_SECONDS", 5.0, minimum=0.1, maximum=3600),
    )


def load_review_settings(env: Mapping[str, str] = os.environ) -> ReviewSettings:
    """REVIEW_MIN_DEADLINE_SECONDS: the shortest review deadline a flow's input may ask for (default a minute)."""
    return ReviewSettings(
        min_deadline_seconds=_number(env, "REVIEW_MIN_DEADLINE_SECONDS", 60.0, minimum=0.1, maximum=86_400)
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
    """SPAM_MODEL_PATH: a spam model trained by `python -m spam_training train` to use instead of the bundled one."""
    raw = _get(env, "SPAM_MODEL_PATH")
    if raw is None:
        return None
    if not Path(raw).is_file():
        raise SettingsError(f"SPAM_MODEL_PATH must name a trained model file; {raw!r} is not a file")
    return Path(raw)


def public_api_root(env: Mapping[str, str] = os.environ) -> str:
    """The API root for links in mail, e.g. "https://my-app.azurewebsites.net/api".

    Never taken from a request: a forged Host header must not put its URL into a reviewer's mail.
    PUBLIC_BASE_URL wins (the app behind a proxy or a custom domain); else WEBSITE_HOSTNAME, which
    Azure sets to the app's host name and Core Tools and the local host set to their own address;
    else the local default.
    """
    if explicit := _get(env, "PUBLIC_BASE_URL"):
        parts = urlsplit(explicit)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.query
            or parts.fragment
            or "@" in parts.netloc
        ):
            raise SettingsError(
                f"PUBLIC_BASE_URL must be an http(s) URL without query or credentials, e.g. "
                f"https://agents.example.com; got {explicit!r}"
            )
        return explicit.rstrip("/") + API_PREFIX
    if host := _get(env, "WEBSITE_HOSTNAME"):
        return f"{'https' if running_in_azure(env) else 'http'}://{host}{API_PREFIX}"
    return LOCAL_BASE_URL + API_PREFIX


@dataclass(frozen=True)
class ReviewLinkKeys:
    """REVIEW_LINK_KEY signs review links and decisions; REVIEW_LINK_PREVIOUS_KEY is still accepted (rotation).

    Without REVIEW_LINK_KEY (outside Azure only) the key is kept in a file of `local_dir` (reviewing.signing).
    """

    current: str | None
    previous: str | None
    local_dir: str


MIN_LINK_KEY_CHARACTERS = 15
"""What azd's secretOrRandomPassword generates (15 letters and digits); `openssl rand -hex 32` is stronger."""


def load_review_link_keys(env: Mapping[str, str] = os.environ) -> ReviewLinkKeys:
    """The review link keys; in Azure REVIEW_LINK_KEY is required (a Key Vault secret the deployment creates)."""
    current, previous = _get(env, "REVIEW_LINK_KEY"), _get(env, "REVIEW_LINK_PREVIOUS_KEY")
    for name, value in (("REVIEW_LINK_KEY", current), ("REVIEW_LINK_PREVIOUS_KEY", previous)):
        if value is not None and len(value) < MIN_LINK_KEY_CHARACTERS:
            raise SettingsError(
                f"{name} must be at least {MIN_LINK_KEY_CHARACTERS} characters of random text "
                f"(e.g. `openssl rand -hex 32`); got {len(value)}"
            )
    if current is None and running_in_azure(env):
        raise SettingsError(
            "REVIEW_LINK_KEY is missing: in Azure it signs the links in review mails (infra/main.bicep "
            "sets it from Key Vault)"
        )
    if previous is not None and current is None:
        raise SettingsError(
            "REVIEW_LINK_PREVIOUS_KEY is set without REVIEW_LINK_KEY: set the new key as REVIEW_LINK_KEY"
        )
    return ReviewLinkKeys(current, previous, _local_dir(env))


def _local_dir(env: Mapping[str, str]) -> str:
    """LOCAL_DATA_DIR, else a folder of the working directory; in Azure, where that is read-only, the temp dir."""
    if explicit := _get(env, "LOCAL_DATA_DIR"):
        return explicit
    if running_in_azure(env):
        return os.path.join(tempfile.gettempdir(), "agent-data")
    return os.path.join(".devhost", "data")


def _check_writable(folder: str) -> None:
    """Fail the start, not the first mail, when the local folder in use cannot be written."""
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise SettingsError(
            f"LOCAL_DATA_DIR {Path(folder).resolve()} is not writable ({error.strerror or error}). Point LOCAL_DATA_DIR "
            "at a writable folder, or set SMTP_HOST and blob storage so that no local folder is needed."
        ) from None
