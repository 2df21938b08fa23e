"""Role assignments: the documented built-in roles, each on the one resource it is needed for, nothing more."""

from __future__ import annotations

import json

from tests.deploy.bicep import INFRA, Deployment, Guid, ResourceRef, Unknown, deploy, properties

# Built-in role ids as Microsoft documents them (learn.microsoft.com/azure/role-based-access-control/built-in-roles/...).
DOCUMENTED = {
    "DurableTaskDataContributor": ("0ad04412-c4d5-4796-b79c-f76d14c8d402", "integration#durable-task-data-contributor"),
    "StorageBlobDataOwner": ("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "storage#storage-blob-data-owner"),
    "StorageQueueDataContributor": ("974c5e8b-45b9-4653-ba55-5f855dd0fb88", "storage#storage-queue-data-contributor"),
    "StorageTableDataContributor": ("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "storage#storage-table-data-contributor"),
    "CognitiveServicesOpenAIUser": (
        "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
        "ai-machine-learning#cognitive-services-openai-user",
    ),
    "MonitoringMetricsPublisher": ("3913510d-42f4-4e42-8a64-420c390055eb", "monitor#monitoring-metrics-publisher"),
    "KeyVaultSecretsUser": ("4633458b-17de-408a-b874-0445c86b69e6", "security#key-vault-secrets-user"),
}
ROLE_NAMES = {guid: name for name, (guid, _) in DOCUMENTED.items()}
APP = str(Unknown("identity.properties.principalId"))
USER = "deploying-user"  # AZURE_PRINCIPAL_ID in tests.deploy.bicep.AZD_ENVIRONMENT

REQUIRED = {
    (APP, "ServicePrincipal", "DurableTaskDataContributor", "Microsoft.DurableTask/schedulers"),
    (APP, "ServicePrincipal", "StorageBlobDataOwner", "Microsoft.Storage/storageAccounts"),
    (APP, "ServicePrincipal", "StorageQueueDataContributor", "Microsoft.Storage/storageAccounts"),
    (APP, "ServicePrincipal", "StorageTableDataContributor", "Microsoft.Storage/storageAccounts"),
    (APP, "ServicePrincipal", "CognitiveServicesOpenAIUser", "Microsoft.CognitiveServices/accounts"),
    (APP, "ServicePrincipal", "MonitoringMetricsPublisher", "Microsoft.Insights/components"),
    (APP, "ServicePrincipal", "KeyVaultSecretsUser", "Microsoft.KeyVault/vaults"),
    (USER, "User", "DurableTaskDataContributor", "Microsoft.DurableTask/schedulers"),
}


def assignments(deployment: Deployment) -> set[tuple[str, str, str, str]]:
    """(principal, principal type, role, scope type) of every role assignment the deployment makes."""
    found = set()
    for name, module in deployment.template.of_kind("module").items():
        if not deployment.enabled(module):
            continue
        inner = deployment.module(name)
        for declaration, local in inner.resources("Microsoft.Authorization/roleAssignments"):
            body = properties(declaration.body)
            scope, assignment = inner.value(body["scope"], local), inner.value(body["properties"], local)
            role = assignment["roleDefinitionId"].removeprefix("/providers/Microsoft.Authorization/roleDefinitions/")
            principal = str(assignment["principalId"])
            assert isinstance(scope, ResourceRef), f"{declaration.name}: scoped to one resource, not wider"
            # A name that is the same on every run makes re-deploying idempotent.
            assert inner.value(body["name"], local) == Guid(
                (Unknown(f"{scope.name}.id"), assignment["principalId"], role)
            )
            found.add((principal, assignment["principalType"], ROLE_NAMES.get(role, role), scope.type))
    return found


def test_role_ids_are_the_documented_built_in_ids() -> None:
    documented = {name: guid for name, (guid, _) in DOCUMENTED.items()}
    pages = ", ".join(f"built-in-roles/{page}" for _, page in DOCUMENTED.values())
    assert json.loads((INFRA / "roles.json").read_text()) == documented, f"see {pages}"


def test_the_app_gets_what_it_needs_and_the_deploying_user_the_dashboard() -> None:
    assert assignments(deploy()) == REQUIRED


def test_a_service_principal_running_azd_gets_the_dashboard_role_as_one() -> None:
    found = assignments(deploy(AZURE_PRINCIPAL_TYPE="ServicePrincipal"))
    assert (USER, "ServicePrincipal", "DurableTaskDataContributor", "Microsoft.DurableTask/schedulers") in found


def test_without_azure_openai_there_is_no_model_role() -> None:
    found = assignments(deploy(DEPLOY_AZURE_OPENAI="false"))
    assert found == {entry for entry in REQUIRED if entry[2] != "CognitiveServicesOpenAIUser"}


def test_no_user_role_without_a_deploying_principal() -> None:
    assert {entry[0] for entry in assignments(deploy(AZURE_PRINCIPAL_ID=""))} == {APP}
