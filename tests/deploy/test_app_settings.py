"""The Function App's settings in Azure: every setting the app reads is decided, and the app starts with them.

The names come from the app itself: the ones settings.py and observability.py look up (recorded while they
read a few environments), local.settings.json.example and host.json. A setting added later is therefore
caught here until infra/main.bicep sets it or LEFT_UNSET says why Azure leaves it at the app's default.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from devhost.process import REPO
from observability import configure_observability
from settings import load_review_link_keys, load_settings, public_api_root
from tests.deploy.bicep import Deployment, Unknown, app_settings, deploy

LEFT_UNSET = {
    "FUNCTIONS_WORKER_RUNTIME": "Flex Consumption takes the runtime from functionAppConfig.runtime and rejects it",
    "AzureWebJobsStorage": "a connection string needs a shared key, which is off; AzureWebJobsStorage__* replace it",
    "AzureWebJobsStorage__accountName": "AzureWebJobsStorage__blobServiceUri names the account",
    "AZURE_OPENAI_API_KEY": "keys are off on the account; the app signs in as AZURE_CLIENT_ID",
    "OPENAI_API_KEY": "Azure OpenAI serves the model in Azure",
    "OPENAI_BASE_URL": "Azure OpenAI serves the model in Azure",
    "OPENAI_CHAT_COMPLETION_MODEL": "Azure OpenAI serves the model in Azure",
    "OFFLINE_MODEL_LATENCY_MS": "slows the offline model for local experiments only",
    "CONTENT_STORAGE_CONNECTION_STRING": "artifacts go to the host's storage account by identity (CONTENT_CONTAINER)",
    "WEBSITE_HOSTNAME": "set by the platform",
    "WEBSITE_INSTANCE_ID": "set by the platform",
    "WEBSITE_SITE_NAME": "set by the platform",
    "ACTIVITY_MAX_ATTEMPTS": "the default activity retry policy (5 attempts from 5 s, doubling) suits SMTP and Blob",
    "ACTIVITY_FIRST_RETRY_SECONDS": "the default activity retry policy (5 attempts from 5 s, doubling) suits SMTP and Blob",
    "SMTP_TIMEOUT_SECONDS": "the 30 s default bounds an SMTP conversation well within an activity's time",
    "SPAM_MODEL_PATH": "the trained spam model ships with the app (agents/spam_classifier/model.json.gz)",
    "REVIEW_LINK_PREVIOUS_KEY": "set only during a rotation of the review link key (docs/review.md)",
    "REVIEW_MIN_DEADLINE_SECONDS": "people review in Azure: a minute, the default, is the shortest useful deadline",
    "WEBSITE_AUTH_ENABLED": "set by the platform itself when App Service Authentication is turned on",
    "MODEL_RESPONSE_FORMAT": "Azure OpenAI supports json_schema: auto never needs its fallback there",
    "MODEL_MAX_TOKENS_FIELD": "auto sends max_completion_tokens to Azure OpenAI, which its models require",
    "MODEL_MAX_ATTEMPTS": "the default retry policy (3 attempts, 10 s then 30 s) suits Azure OpenAI's rate limits",
    "MODEL_RETRY_DELAY_SECONDS": "the default retry policy (3 attempts, 10 s then 30 s) suits Azure OpenAI's rate limits",
}
CLIENT_ID = str(Unknown("identity.properties.clientId"))


class RecordingEnvironment(dict[str, str]):
    """An environment that remembers every name looked up in it."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        super().__init__(values or {})
        self.read: set[str] = set()

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return super().__contains__(key)


# What Azure fills in for the values only it knows, in the shape it gives them.
AZURE_VALUES = {
    "identity.properties.clientId": "3f1c5d2e-8a4b-4c6d-9e0f-1a2b3c4d5e6f",
    "account.properties.primaryEndpoints.blob": "https://stx7k2q.blob.core.windows.net/",
    "account.properties.primaryEndpoints.queue": "https://stx7k2q.queue.core.windows.net/",
    "account.properties.primaryEndpoints.table": "https://stx7k2q.table.core.windows.net/",
    "scheduler.properties.endpoint": "https://dts-x7k2q.swedencentral.durabletask.io",
    "openAiAccount.properties.endpoint": "https://oai-x7k2q.openai.azure.com/",
    "applicationInsights.properties.ConnectionString": (
        "InstrumentationKey=0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d;"
        "IngestionEndpoint=https://swedencentral-0.in.applicationinsights.azure.com/"
    ),
}
SMTP_PASSWORD_REFERENCE = "@Microsoft.KeyVault(SecretUri=<smtpPasswordSecret.properties.secretUriWithVersion>)"
REVIEW_LINK_KEY_REFERENCE = "@Microsoft.KeyVault(SecretUri=<reviewLinkKeySecret.properties.secretUriWithVersion>)"


def in_azure(deployment: Deployment) -> dict[str, str]:
    """The environment the app gets in Azure: the app settings with Azure's values filled in, and the Key Vault
    reference resolved as the platform resolves it, to the secret the same deployment stores."""
    environment = {name: str(value) for name, value in app_settings(deployment).items()}
    if environment.get("SMTP_PASSWORD"):
        assert environment["SMTP_PASSWORD"] == SMTP_PASSWORD_REFERENCE, (
            "a reference to the secret keyvault.bicep stores"
        )
        vault = deployment.module("keyVault")
        environment["SMTP_PASSWORD"] = vault.value(vault.template.symbols["smtpPasswordSecret"].body)["properties"][
            "value"
        ]
    assert environment["REVIEW_LINK_KEY"] == REVIEW_LINK_KEY_REFERENCE, (
        "a reference to the secret keyvault.bicep stores"
    )
    vault = deployment.module("keyVault")
    environment["REVIEW_LINK_KEY"] = vault.value(vault.template.symbols["reviewLinkKeySecret"].body)["properties"][
        "value"
    ]
    unknown = re.compile(r"<([A-Za-z_]\w*(?:\.\w+)+)>")  # as Unknown renders: <resource.properties.x>
    return {name: unknown.sub(lambda m: AZURE_VALUES[m[1]], value) for name, value in environment.items()}


def names_the_app_reads() -> set[str]:
    example = json.loads((REPO / "local.settings.json.example").read_text())["Values"]
    host = (REPO / "host.json").read_text()
    names = (
        set(example) | set(re.findall(r"%(\w+)%", host)) | set(re.findall(r'"connectionStringName":\s*"(\w+)"', host))
    )
    for values in ({}, example, in_azure(deploy())):
        environment = RecordingEnvironment(values)
        load_settings(environment)
        public_api_root(environment)
        names |= environment.read
    observed = RecordingEnvironment()
    configure_observability(observed)  # looks the connection string up, then does nothing
    return names | observed.read


def test_every_setting_the_app_reads_is_set_in_azure_or_left_unset_on_purpose() -> None:
    read, settings = names_the_app_reads(), set(app_settings(deploy()))
    undecided = read - settings - set(LEFT_UNSET)
    assert not undecided, (
        f"read by the app but neither set in infra/main.bicep (appSettings) nor in LEFT_UNSET: {sorted(undecided)}"
    )
    assert set(LEFT_UNSET) <= read, f"LEFT_UNSET names settings the app no longer reads: {set(LEFT_UNSET) - read}"
    assert not set(LEFT_UNSET) & settings, f"both set and left unset: {set(LEFT_UNSET) & settings}"


def test_flex_settings_are_identity_based() -> None:
    settings = app_settings(deploy())
    assert not {"FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "AzureWebJobsStorage"} & set(settings)
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert str(settings["AzureWebJobsStorage__clientId"]) == str(settings["AZURE_CLIENT_ID"]) == CLIENT_ID
    assert settings["DURABLE_TASK_SCHEDULER_CONNECTION_STRING"] == (
        f"Endpoint=<scheduler.properties.endpoint>;TaskHub={settings['TASKHUB_NAME']};"
        f"Authentication=ManagedIdentity;ClientID={CLIENT_ID}"
    )
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == f"ClientId={CLIENT_ID};Authorization=AAD"
    # A reasoning model (gpt-5-mini) spends output tokens and time thinking before it answers: more of both than the
    # local defaults.
    assert settings["MODEL_TIMEOUT_SECONDS"] == "120" and settings["MODEL_MAX_OUTPUT_TOKENS"] == "16384"


def test_the_app_starts_in_azure_on_azure_openai_and_blob_storage_by_identity() -> None:
    settings = load_settings(in_azure(deploy()))
    assert (settings.model.provider, settings.model.endpoint) == (
        "azure_openai",
        AZURE_VALUES["openAiAccount.properties.endpoint"],
    )
    assert settings.model.model == "gpt-5-mini" and settings.model.api_key is None
    assert settings.storage.account_url == AZURE_VALUES["account.properties.primaryEndpoints.blob"]
    assert settings.storage.connection_string is None and settings.storage.container == "agent-content"
    assert settings.mail.smtp_host is None and settings.mail.outbox_dir.startswith("/tmp/"), "a writable folder"


def test_smtp_password_travels_through_key_vault() -> None:
    deployment = deploy(
        SMTP_HOST="smtp.example.com",
        SMTP_USERNAME="agents@example.com",
        SMTP_PASSWORD="s3cret",
        MAIL_FROM="Agents <agents@example.com>",
    )
    assert app_settings(deployment)["SMTP_PASSWORD"].startswith("@Microsoft.KeyVault(SecretUri=")
    mail = load_settings(in_azure(deployment)).mail
    assert (mail.smtp_host, mail.smtp_port, mail.smtp_username, mail.smtp_password) == (
        "smtp.example.com",
        587,
        "agents@example.com",
        "s3cret",
    )
    assert mail.sender == "Agents <agents@example.com>"


def test_without_a_password_no_secret_and_no_reference() -> None:
    deployment = deploy(SMTP_HOST="smtp.example.com")
    assert app_settings(deployment)["SMTP_PASSWORD"] == ""
    assert not deployment.module("keyVault").enabled(
        deployment.module("keyVault").template.symbols["smtpPasswordSecret"]
    )


def test_without_azure_openai_the_app_runs_its_offline_model() -> None:
    deployment = deploy(DEPLOY_AZURE_OPENAI="false")
    assert not {"AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_MODEL"} & set(app_settings(deployment))
    assert load_settings(in_azure(deployment)).model.provider == "offline"


def test_the_review_link_key_is_a_key_vault_secret_azd_keeps_across_provisions() -> None:
    """azd fills the parameter from the vault's secret when it exists, else with a new random one (secretOrRandomPassword)."""
    parameters = json.loads((REPO / "infra" / "main.parameters.json").read_text())["parameters"]
    assert parameters["reviewLinkKey"]["value"] == "$(secretOrRandomPassword ${AZURE_KEY_VAULT_NAME} review-link-key)"
    deployment = deploy()
    assert app_settings(deployment)["REVIEW_LINK_KEY"] == REVIEW_LINK_KEY_REFERENCE
    keys = load_review_link_keys(in_azure(deployment))
    stored = deployment.module("keyVault").parameters["reviewLinkKey"]
    assert keys.current == stored and keys.previous is None
