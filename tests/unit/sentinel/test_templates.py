"""What the rendered templates and readmes must get right in Azure: permissions, sign-in hosts from
environment(), a government cloud by default in Azure Government, the connector's redirect per cloud,
the Sentinel automation role, one variable per InitializeVariable, and content-hub packaging."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from mde_indicators_build.sentinel.arm_checks import hardcoded_hosts
from mde_indicators_build.sentinel.bundle import METADATA_FILE, build, packaging_problems
from mde_indicators_build.sentinel.context import load_config
from mde_indicators_build.sentinel.render import Rendered, render_all
from mde_testkit.logicapps.arm import deploy
from mde_testkit.logicapps.definition import walk_actions

# Facts about Microsoft's services, pinned here rather than read from the schema.
WINDOWS_DEFENDER_ATP = "fc780465-2017-40d4-a0c5-307022471b92"
TI_READWRITE_ALL = "fc511a58-3adf-4d71-af24-00f13e35e479"
AZURE_SECURITY_INSIGHTS = "98785600-1bb7-4fb9-b9fa-19afe2c8a360"


@pytest.fixture(scope="module")
def rendered() -> List[Rendered]:
    return render_all()


def playbooks(rendered: List[Rendered]) -> List[Rendered]:
    return [r for r in rendered if r.kind == "playbook"]


def workflow(template: Dict[str, Any]) -> Dict[str, Any]:
    (found,) = [r for r in template["resources"] if r["type"] == "Microsoft.Logic/workflows"]
    return found


def test_the_cloud_defaults_to_a_government_cloud_in_azure_government(
    rendered: List[Rendered],
) -> None:
    for r in rendered:
        extra = {"ClientId": "c", "ClientSecret": "s"} if r.kind == "connector" else {}
        assert deploy(r.template, extra, "AzureCloud").parameters["Cloud"] == "commercial"
        assert deploy(r.template, extra, "AzureUSGovernment").parameters["Cloud"] == "gcc-high"


def test_no_template_writes_a_sign_in_or_management_host(rendered: List[Rendered]) -> None:
    for r in rendered:
        assert hardcoded_hosts(json.dumps(r.template)) == [], r.name
    # the check finds what arm-ttk finds, and spares $schema URIs as arm-ttk does
    assert hardcoded_hosts('{"a": "https://login.microsoftonline.com/common"}') == [
        "login.microsoftonline.com"
    ]
    assert hardcoded_hosts('{"a": "https://LOGIN.MICROSOFTONLINE.US/x"}') == [
        "LOGIN.MICROSOFTONLINE.US"
    ]
    assert hardcoded_hosts('"https://schema.management.azure.com/schemas/x.json#"') == []


@pytest.mark.parametrize(
    ("environment", "login", "redirect"),
    [
        (
            "AzureCloud",
            "https://login.microsoftonline.com",
            "https://logic-apis-westeurope.consent.azure-apim.net/redirect",
        ),
        (
            "AzureUSGovernment",
            "https://login.microsoftonline.us",
            "https://logic-apis-usgovvirginia.consent.azure-apim.us/redirect",
        ),
    ],
)
def test_the_connector_signs_in_where_it_is_deployed(
    rendered: List[Rendered], environment: str, login: str, redirect: str
) -> None:
    (connector,) = [r for r in rendered if r.kind == "connector"]
    deployment = deploy(connector.template, {"ClientId": "c", "ClientSecret": "s"}, environment)
    props = deployment.resource("Microsoft.Web/customApis")["properties"]
    oauth = props["connectionParameters"]["token"]["oAuthSettings"]
    assert oauth["customParameters"]["loginUri"]["value"] == login
    assert oauth["redirectUrl"] == redirect
    security = props["swagger"]["securityDefinitions"]["oauth2-auth"]
    assert security["authorizationUrl"] == f"{login}/common/oauth2/authorize"
    assert deployment.variables["RedirectUrl"] == redirect  # the RedirectUrl output


def test_every_variable_has_its_own_initialize_action(rendered: List[Rendered]) -> None:
    for r in playbooks(rendered):
        actions = workflow(r.template)["properties"]["definition"]["actions"]
        initialized = [
            a["inputs"]["variables"]
            for _, a, _, _ in walk_actions(actions)
            if a["type"] == "InitializeVariable"
        ]
        assert initialized and all(len(v) == 1 for v in initialized), r.name


def test_the_playbooks_ask_for_the_application_role_both_doc_readings_allow(
    rendered: List[Rendered],
) -> None:
    assert {p["role"] for p in load_config()["playbooks"]} == {"Ti.ReadWrite.All"}
    for r in playbooks(rendered):
        steps = "\n".join(r.template["metadata"]["postDeployment"])
        assert TI_READWRITE_ALL in steps and WINDOWS_DEFENDER_ATP in steps
        assert f"-AppRoleId '{TI_READWRITE_ALL}'" in steps
        assert "works under both" in steps
        assert TI_READWRITE_ALL in r.readme and "Ti.ReadWrite only under the older one" in r.readme


def test_every_playbook_readme_and_post_deployment_grants_the_automation_role(
    rendered: List[Rendered],
) -> None:
    for r in playbooks(rendered):
        steps = "\n".join(r.template["metadata"]["postDeployment"])
        for text in (steps, r.readme):
            assert "Microsoft Sentinel Automation Contributor" in text
            assert AZURE_SECURITY_INSIGHTS in text
        assert (
            "-RoleDefinitionName 'Microsoft Sentinel Automation Contributor' -ResourceGroupName $PlaybookGroup"
            in steps
        )
        assert "-Environment USGovDoD" in r.readme and "-Environment AzureUSGovernment" in r.readme


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("Submit-MDEIndicators-incident-trigger", "When incident is created"),
        ("Submit-MDEIndicators-alert-trigger", "When alert is created"),
        ("Remove-MDEIndicators-incident-trigger", "When incident is created"),
    ],
)
def test_playbooks_are_attached_through_automation_rules(
    rendered: List[Rendered], name: str, phrase: str
) -> None:
    (r,) = [r for r in rendered if r.name == name]
    assert phrase in r.readme and phrase in "\n".join(r.template["metadata"]["postDeployment"])


def test_the_readmes_deploy_buttons_point_at_each_clouds_portal(rendered: List[Rendered]) -> None:
    for r in rendered:
        assert "(https://portal.azure.com/#create/Microsoft.Template/uri/https%3A%2F%2F" in r.readme
        assert "(https://portal.azure.us/#create/Microsoft.Template/uri/https%3A%2F%2F" in r.readme


def test_the_connector_readme_names_the_redirect_uri_per_cloud(rendered: List[Rendered]) -> None:
    (connector,) = [r for r in rendered if r.kind == "connector"]
    assert "https://logic-apis-<region>.consent.azure-apim.net/redirect" in connector.readme
    assert "https://logic-apis-<region>.consent.azure-apim.us/redirect" in connector.readme
    assert "RedirectUrl" in connector.readme


def test_the_application_field_decision_is_documented(rendered: List[Rendered]) -> None:
    (submit,) = [r for r in rendered if r.name == "Submit-MDEIndicators-incident-trigger"]
    assert submit.template["parameters"]["Application"]["defaultValue"] == ""
    assert "### Who owns an indicator: `OwnerTag`, not `application`" in submit.readme


def test_the_bundle_has_what_the_solution_packager_reads(tmp_path: Path) -> None:
    _archive, folder = build(tmp_path / "sentinel", tmp_path / "sentinel.zip")
    assert packaging_problems(folder) == []
    data = json.loads((folder / "Data" / "Solution_MDEIndicators.json").read_text("utf-8"))
    assert data["Metadata"] == METADATA_FILE and (folder / METADATA_FILE).is_file()
    assert data["Playbooks"][0] == "MDEIndicatorsCustomConnector/azuredeploy.json"
    metadata = json.loads((folder / METADATA_FILE).read_text("utf-8"))
    assert metadata["categories"]["domains"] == ["Security - Threat Protection"]
    assert 'Logos/MDEIndicators.svg" width="75px" height="75px">' in data["Logo"]
    (folder / METADATA_FILE).unlink()
    (folder / "Logos" / "MDEIndicators.svg").write_text("<svg" + " " * 6000, "utf-8")
    problems = packaging_problems(folder)
    assert (
        f"Data/Solution_MDEIndicators.json names '{METADATA_FILE}', which is not in the bundle"
        in problems
    )
    assert any("MDEIndicators.svg is 6004 bytes" in p for p in problems)
    assert any("does not parse" in p for p in problems)
