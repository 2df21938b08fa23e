"""The templates hold together and describe what the issue asks for, checked without Azure.

What this cannot prove (an ARM resource provider accepting each property, SKU and quota in a region, role
propagation) only a real `azd up` does; docs/deploy.md says which is which.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib.metadata import distribution

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from tree_sitter import Node

from devhost.process import REPO
from tests.deploy.bicep import INFRA, MAIN, Template, Unknown, app_settings, deploy, named, properties, templates, text

TEMPLATES = templates()
BUILTINS = {"az", "sys"}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: str(t.path.relative_to(INFRA)))
def test_every_template_parses(template: Template) -> None:
    assert not template.errors(), template.errors()


def references(template: Template) -> Iterator[tuple[Node, frozenset[str]]]:
    """Identifiers used as values: everything but keys, callees, declared names, decorators and types."""
    stack = [(template.tree.root_node, frozenset[str]())]
    while stack:
        node, loop = stack.pop()
        if node.type in ("decorators", "type"):
            continue
        if node.type == "for_statement":
            loop = loop | {text(named(node)[0])}
        parent = node.parent
        if (
            node.type == "identifier"
            and parent is not None
            and not (
                (parent.type == "call_expression" and node == parent.child_by_field_name("function"))
                or (parent.type == "object_property" and node == named(parent)[0])
                or (parent.type.endswith("_declaration") and node == named(parent)[0])
                or (parent.type == "for_statement" and node == named(parent)[0])
            )
        ):
            yield node, loop
        stack.extend((child, loop) for child in node.children)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: str(t.path.relative_to(INFRA)))
def test_every_name_used_is_declared(template: Template) -> None:
    undeclared = {
        f"{text(node)} (line {node.start_point[0] + 1})"
        for node, loop in references(template)
        if text(node) not in template.symbols and text(node) not in loop | BUILTINS
    }
    assert not undeclared


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: str(t.path.relative_to(INFRA)))
def test_no_member_access_follows_an_unparenthesized_ternary(template: Template) -> None:
    """Bicep reads `c ? a : b.x` as `c ? a : (b.x)`; tree-sitter-bicep 1.1.0 reads `(c ? a : b).x`. Such an
    expression would be evaluated wrongly here, so the templates put the member access first."""
    stack = [template.tree.root_node]
    while stack:
        node = stack.pop()
        assert not (
            node.type == "member_expression" and node.child_by_field_name("object").type == "ternary_expression"
        ), f"{template.path.name}:{node.start_point[0] + 1}: write `c ? b.x : a` or `c ? a : (b.x)`"
        stack.extend(node.children)


@pytest.mark.parametrize("template", [t for t in TEMPLATES if t.of_kind("module")], ids=lambda t: t.path.name)
def test_modules_get_exactly_their_parameters_and_expose_the_outputs_used(template: Template) -> None:
    for name, module in template.of_kind("module").items():
        target = template.module_template(module)
        declared = target.of_kind("param")
        passed = set(properties(properties(module.body)["params"]))
        assert passed <= set(declared), f"{name}: unknown parameters {passed - set(declared)}"
        required = {param for param, d in declared.items() if d.value is None}
        assert required <= passed, f"{name}: missing parameters {required - passed}"
        used = {
            text(node.parent.parent.child_by_field_name("property"))
            for node, _ in references(template)
            if text(node) == name
            and node.parent.type == "member_expression"
            and text(node.parent.child_by_field_name("property")) == "outputs"
        }
        assert used <= set(target.of_kind("output")), f"{name}: no outputs {used - set(target.of_kind('output'))}"


def test_azd_supplies_every_parameter_main_bicep_needs_without_prompting() -> None:
    listed = set(json.loads((INFRA / "main.parameters.json").read_text())["parameters"])
    declared = MAIN.of_kind("param")
    assert listed <= set(declared), f"main.parameters.json names unknown parameters: {listed - set(declared)}"
    assert {name for name, d in declared.items() if d.value is None} <= listed
    deploy()  # raises if azd would prompt for a parameter


def test_azure_yaml_deploys_this_folder_to_the_function_app() -> None:
    project = yaml.safe_load((REPO / "azure.yaml").read_text())
    assert project["services"] == {"api": {"project": ".", "language": "python", "host": "function"}}
    site = deploy().module("functionApp")
    tags = site.value(properties(site.template.symbols["site"].body)["tags"])
    assert tags["azd-service-name"] == "api", "azd finds the app to deploy to by this tag"


def site_body() -> dict:
    function_app = deploy().module("functionApp")
    return function_app.value(function_app.template.symbols["site"].body)


def test_flex_consumption_python_with_the_user_assigned_identity() -> None:
    function_app = deploy().module("functionApp")
    plan = function_app.value(function_app.template.symbols["plan"].body)
    assert plan["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    site = site_body()
    identity = Unknown("identity.id")
    assert site["identity"] == {"type": "UserAssigned", "userAssignedIdentities": {str(identity): {}}}
    config = site["properties"]["functionAppConfig"]
    assert config["deployment"]["storage"] == {
        "type": "blobContainer",
        "value": "<account.properties.primaryEndpoints.blob>app-package",
        "authentication": {"type": "UserAssignedIdentity", "userAssignedIdentityResourceId": identity},
    }
    assert site["properties"]["keyVaultReferenceIdentity"] == identity, "Key Vault references use this identity"
    assert site["properties"]["httpsOnly"] is True


def pinned_packages() -> list[Requirement]:
    lines = (REPO / "requirements.txt").read_text().splitlines()
    return [Requirement(line.split("#")[0]) for line in lines if line.split("#")[0].strip()]


def python_supported_by_every_pin(minor: int) -> bool:
    """Whether every pinned package (its metadata as installed: the pinned version) allows Python 3.<minor>."""
    for pin in pinned_packages():
        metadata = distribution(pin.name).metadata
        assert metadata["Version"] in pin.specifier, f"{pin}: {metadata['Version']} is installed"
        if not SpecifierSet(metadata.get("Requires-Python") or "").contains(f"3.{minor}.0"):
            return False
    return True


def stated_python_range() -> tuple[int, int]:
    """The Python versions README states ("Python 3.11 or 3.12"), as minor versions."""
    match = re.search(r"Python 3\.(\d+) or 3\.(\d+)", (REPO / "README.md").read_text())
    assert match, "README states the Python versions the app runs on"
    return int(match[1]), int(match[2])


def test_the_stated_python_range_is_what_the_pinned_packages_allow() -> None:
    """Every version README names is allowed by every pin, and the next one is refused by some pin (azure-functions
    1.26.0 requires Python < 3.13). Independent of the interpreter running the tests."""
    low, high = stated_python_range()
    assert all(python_supported_by_every_pin(minor) for minor in range(low, high + 1))
    assert not python_supported_by_every_pin(high + 1), f"README should state 3.{high + 1} too"


def test_the_deployed_python_is_in_the_stated_range() -> None:
    runtime = site_body()["properties"]["functionAppConfig"]["runtime"]
    assert runtime["name"] == "python"
    low, high = stated_python_range()
    assert runtime["version"] in {f"3.{minor}" for minor in range(low, high + 1)}, runtime


def test_no_shared_keys_or_local_auth_anywhere() -> None:
    deployment = deploy()
    storage = deployment.module("storage")
    account = storage.value(storage.template.symbols["account"].body)["properties"]
    assert account["allowSharedKeyAccess"] is False and account["allowBlobPublicAccess"] is False
    openai = deployment.module("openAi")
    assert openai.value(openai.template.symbols["openAiAccount"].body)["properties"]["disableLocalAuth"] is True
    monitoring = deployment.module("monitoring")
    insights = monitoring.value(monitoring.template.symbols["applicationInsights"].body)["properties"]
    assert insights["DisableLocalAuth"] is True
    vault = deployment.module("keyVault")
    assert vault.value(vault.template.symbols["vault"].body)["properties"]["enableRbacAuthorization"] is True
    for template in TEMPLATES:
        source = template.path.read_text()
        assert "listKeys" not in source and "AccountKey" not in source, template.path.name
    for name in ("noFtpCredentials", "noScmCredentials"):
        function_app = deployment.module("functionApp")
        assert function_app.value(function_app.template.symbols[name].body)["properties"] == {"allow": False}


@pytest.mark.parametrize(
    ("environment", "sku"),
    [
        ({}, {"name": "Consumption"}),
        ({"DTS_SKU": "Dedicated", "DTS_CAPACITY": "2"}, {"name": "Dedicated", "capacity": 2}),
    ],
)
def test_scheduler_is_consumption_by_default_and_dedicated_on_request(environment: dict, sku: dict) -> None:
    scheduler = deploy(**environment).module("scheduler")
    assert scheduler.value(scheduler.template.symbols["scheduler"].body)["properties"]["sku"] == sku


def test_outputs_name_the_app_url_the_dashboard_and_the_task_hub() -> None:
    deployment = deploy(TASKHUB_NAME="agents-prod")
    assert deployment.output("FUNCTION_APP_URL") == "https://<site.properties.defaultHostName>"
    assert deployment.output("DTS_DASHBOARD_URL") == Unknown("taskHub.properties.dashboardUrl")
    assert deployment.output("TASKHUB_NAME") == app_settings(deployment)["TASKHUB_NAME"] == "agents-prod"


def test_the_model_deployment_is_named_after_the_model_the_app_is_told_to_use() -> None:
    deployment = deploy(AZURE_OPENAI_MODEL_NAME="gpt-5-mini", AZURE_OPENAI_MODEL_VERSION="2025-08-07")
    openai = deployment.module("openAi")
    model = openai.value(openai.template.symbols["deployment"].body)
    assert model["properties"]["model"] == {"format": "OpenAI", "name": "gpt-5-mini", "version": "2025-08-07"}
    assert app_settings(deployment)["AZURE_OPENAI_MODEL"] == model["name"] == "gpt-5-mini"


def identifiers_in(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "identifier":
            yield current
        stack.extend(current.children)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: str(t.path.relative_to(INFRA)))
def test_conditional_modules_and_resources_are_read_only_through_a_guard(template: Template) -> None:
    """A module or resource deployed `if (...)` may be null: Bicep warns (BCP318) on `x.outputs.y` and wants
    `x!.outputs.y` (under a condition that guarantees it) or `x.?outputs.y`."""
    conditional = {name for name, d in template.symbols.items() if d.kind in ("module", "resource") and d.conditional}
    unguarded = []
    for node, _ in references(template):
        parent = node.parent
        if (
            text(node) in conditional
            and parent is not None
            and parent.type == "member_expression"
            and (node == parent.child_by_field_name("object"))
        ):
            tokens = [child.type for child in parent.children]
            if "!" not in tokens and ".?" not in tokens:
                unguarded.append(f"{template.path.name}:{node.start_point[0] + 1}: {text(parent)}")
    assert not unguarded, unguarded


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: str(t.path.relative_to(INFRA)))
def test_no_output_can_carry_a_secret(template: Template) -> None:
    """Outputs land in the deployment history, readable with Reader rights: none may depend on a @secure() parameter
    (directly or through variables) or be named like a password (the linter's outputs-should-not-contain-secrets)."""
    secure = {name for name, d in template.of_kind("param").items() if "secure" in d.decorators}
    for name, output in template.of_kind("output").items():
        assert "password" not in name.lower(), f"{template.path.name}: output {name} is named like a secret"
        seen: set[str] = set()
        pending = [output.value]
        while pending:
            for identifier in identifiers_in(pending.pop()):
                symbol = template.symbols.get(text(identifier))
                if symbol is None or symbol.name in seen:
                    continue
                seen.add(symbol.name)
                if symbol.kind == "var":
                    pending.append(symbol.value)
        assert not seen & secure, f"{template.path.name}: output {name} depends on {sorted(seen & secure)}"


# Azure OpenAI models that a subscription deploys without a registration form: "gpt-5-mini, gpt-5-nano, and
# gpt-5-chat do not require registration" (Azure OpenAI models page, GPT-5 section, where "registration is required
# for access to the gpt-5-pro, gpt-5, & gpt-5-codex models"; gpt-5.1 likewise needed it).
NO_REGISTRATION = {"gpt-5-mini", "gpt-5-nano"}
# Regions with both the Flex Consumption plan and the Durable Task Scheduler: the Flex Consumption list of the
# official azd quickstart (Azure-Samples/functions-quickstart-python-http-azd, infra/main.bicep) intersected with the
# regions the Durable Task Scheduler samples allow (Azure-Samples/Durable-Task-Scheduler, samples/*/infra/main.bicep).
FLEX_CONSUMPTION_AND_SCHEDULER = {
    "australiaeast",
    "centralus",
    "eastasia",
    "eastus",
    "eastus2",
    "northcentralus",
    "northeurope",
    "southcentralus",
    "southeastasia",
    "swedencentral",
    "uksouth",
    "westus2",
}


def test_the_default_model_needs_no_registration_and_is_a_pinned_global_standard_deployment() -> None:
    openai = deploy().module("openAi")
    model = openai.value(openai.template.symbols["deployment"].body)
    assert model["properties"]["model"] == {"format": "OpenAI", "name": "gpt-5-mini", "version": "2025-08-07"}
    assert model["properties"]["model"]["name"] in NO_REGISTRATION
    assert model["sku"] == {"name": "GlobalStandard", "capacity": 50}


def test_azd_offers_only_regions_with_flex_consumption_the_scheduler_and_quota_for_the_default_model() -> None:
    deployment = deploy()
    location = MAIN.of_kind("param")["location"]
    allowed = deployment.value(location.decorators["allowed"][0])
    metadata = deployment.value(location.decorators["metadata"][0])["azd"]
    assert set(allowed) == FLEX_CONSUMPTION_AND_SCHEDULER
    model = deployment.module("openAi").parameters
    assert metadata == {
        "type": "location",
        "usageName": [f"OpenAI.{model['deploymentSkuName']}.{model['modelName']},{model['capacity']}"],
    }, "azd checks quota for the model main.parameters.json deploys by default"
    assert deployment.module("openAi").parameters["location"] == deployment.parameters["location"], (
        "Azure OpenAI goes to the region azd offered, unless AZURE_OPENAI_LOCATION says otherwise"
    )
