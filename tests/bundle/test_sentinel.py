"""The Sentinel bundle in dist/ passes every offline check `python3 build.py` runs, and each checker fails
on a copy of a built template with one planted defect, naming it.

The checkers: the ARM deploymentTemplate schema and Azure-Sentinel's CI schema (both from ../shared/schemas),
Azure-Sentinel's CI rules (gallery metadata, connections, the one workflow), the arm-ttk subset, the workflow
semantics (runAfter, expressions), the connector's Swagger schema, and the schema consistency.
"""

from __future__ import annotations

import copy
import json
import re
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from mde_indicators.model import load_model
from mde_indicators_build.sentinel import bundle
from mde_indicators_build.sentinel.arm_checks import Report, validate_schema, validate_template
from mde_indicators_build.sentinel.consistency import consistency_problems
from mde_indicators_build.sentinel.workflow_checks import check_workflow

SUBMIT = "Submit-MDEIndicators-incident-trigger"
Documents = Tuple[Dict[str, Dict[str, Any]], Dict[str, Dict[str, Any]]]


def read_documents(folder: Path) -> Documents:
    """(templates by playbook folder, connector files by folder/name), as bundle.verify reads them."""
    files = sorted(p for p in folder.rglob("*.json") if p.is_file())
    templates = {
        p.parent.name: json.loads(p.read_text("utf-8"))
        for p in files
        if p.name == "azuredeploy.json"
    }
    extras = {
        f"{p.parent.name}/{p.name}": json.loads(p.read_text("utf-8"))
        for p in files
        if p.name.startswith("api")
    }
    return templates, extras  # fmt: skip


@pytest.fixture(scope="module")
def built(bundles: Dict[str, List[Path]]) -> Documents:
    _, folder = bundles["sentinel"]
    return read_documents(folder)


def no_skips(report: Report) -> None:
    if report.skipped:
        pytest.skip("; ".join(report.skipped))  # a failure in CI (tests/no_skips.py)


def test_the_built_bundle_passes_every_sentinel_check(bundles: Dict[str, List[Path]]) -> None:
    try:
        bundle.verify(bundles["sentinel"])  # zip, every template and connector file, the samples
    except SystemExit as exc:
        pytest.fail(str(exc))


def test_every_template_and_connector_file_is_validated_against_its_schemas(
    built: Documents,
) -> None:
    templates, extras = built
    report = bundle.verify_documents(templates, extras)
    assert report.problems == []
    no_skips(report)
    assert len(templates) >= 5 and len(extras) >= 2


def problems_with(templates: Dict[str, Dict[str, Any]], extras: Dict[str, Any]) -> List[str]:
    """What the whole verification reports (the schema part is skipped without ../shared/schemas)."""
    return bundle.verify_documents(templates, extras).problems


def planted(built: Documents, name: str = SUBMIT) -> Tuple[Dict[str, Any], Documents]:
    """A deep copy of the built documents and, in it, the template to plant a defect in."""
    templates, extras = copy.deepcopy(built)
    return templates[name], (templates, extras)


def workflow(template: Dict[str, Any]) -> Dict[str, Any]:
    return next(r for r in template["resources"] if r["type"] == "Microsoft.Logic/workflows")


def find_action(node: Any, name: str) -> Dict[str, Any]:
    """The action called name anywhere in a template (inside scopes and loops too)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == name and isinstance(value, dict) and "type" in value:
                return value
            try:
                return find_action(value, name)
            except LookupError:
                continue
    if isinstance(node, list):
        for value in node:
            try:
                return find_action(value, name)
            except LookupError:
                continue
    raise LookupError(name)


def actions(template: Dict[str, Any]) -> Dict[str, Any]:
    actions: Dict[str, Any] = workflow(template)["properties"]["definition"]["actions"]
    return actions


# -- the defects the issue names ------------------------------------------------------------------


def test_a_broken_run_after_is_named(built: Documents) -> None:
    template, documents = planted(built)
    name, action = next((n, a) for n, a in actions(template).items() if a.get("runAfter"))
    action["runAfter"] = {"No_Such_Action": ["Succeeded"]}
    problems, _ = check_workflow(workflow(template), template)
    assert f"{name}: runAfter 'No_Such_Action' is not a sibling action" in problems
    assert f"{SUBMIT}: {name}: runAfter 'No_Such_Action' is not a sibling action" in problems_with(
        *documents
    )


def test_an_unknown_function_is_named(built: Documents) -> None:
    template, documents = planted(built)
    name = next(n for n, a in actions(template).items() if a["type"] == "Compose")
    actions(template)[name]["inputs"] = "@frobnicate('x')"
    problems, _ = check_workflow(workflow(template), template)
    assert f"{name}.inputs: unknown function frobnicate()" in problems
    assert f"{SUBMIT}: {name}.inputs: unknown function frobnicate()" in problems_with(*documents)


def test_gallery_metadata_without_its_support_tier_is_named(built: Documents) -> None:
    template, documents = planted(built)
    del template["metadata"]["support"]  # Azure-Sentinel CI: playbookArmTemplateMetadataChecker.ts
    assert validate_template(template).problems == ["metadata.support.tier is blank"]
    assert problems_with(*documents) == [f"{SUBMIT}: metadata.support.tier is blank"]


# -- one planted defect of our own per checker ----------------------------------------------------


def test_the_sentinel_ci_schema_refuses_a_top_level_key_it_does_not_know(built: Documents) -> None:
    template, _ = planted(built)
    template["apiProfile"] = "2019-03-01-hybrid"
    report = validate_schema(template, "sentinel-ci")
    no_skips(report)
    assert report.problems == [
        "sentinel-ci schema: (root): Additional properties are not allowed "
        "('apiProfile' was unexpected)"
    ]


def test_the_arm_schema_refuses_a_malformed_content_version(built: Documents) -> None:
    template, _ = planted(built)
    template["contentVersion"] = "1.0"
    report = validate_schema(template, "arm")
    no_skips(report)
    assert len(report.problems) == 1
    assert report.problems[0].startswith("arm schema: contentVersion: '1.0' does not match")


def test_the_ci_rules_refuse_a_workflow_with_a_fixed_location(built: Documents) -> None:
    template, documents = planted(built)
    workflow(template)["location"] = "westeurope"
    assert f"{SUBMIT}: workflow location 'westeurope'" in problems_with(*documents)


def test_the_arm_ttk_subset_names_an_unused_parameter(built: Documents) -> None:
    template, documents = planted(built)
    template["parameters"]["Unused"] = {"type": "string", "metadata": {"description": "x"}}
    assert problems_with(*documents) == [f"{SUBMIT}: parameter Unused is never used"]


def test_consistency_names_an_import_batch_larger_than_the_schemas(built: Documents) -> None:
    template, (templates, extras) = planted(built)
    batch = find_action(template, "Batch")
    batch["inputs"] = re.sub(r", 500\)$", ", 5000)", batch["inputs"])
    assert consistency_problems(templates, extras, load_model()) == [
        f"{SUBMIT} import batch: {{5000}} != schema {{500}}"
    ]


def test_the_swagger_schema_refuses_a_connector_definition_without_info(built: Documents) -> None:
    templates, extras = copy.deepcopy(built)
    name = next(n for n in extras if n.endswith("apiDefinition.swagger.json"))
    del extras[name]["info"]
    report = bundle.verify_documents(templates, extras)
    no_skips(report)
    problems = report.problems
    assert f"{name}: swagger schema: (root): 'info' is a required property" in problems


def test_the_api_properties_schema_refuses_a_wrongly_typed_property(built: Documents) -> None:
    templates, extras = copy.deepcopy(built)
    name = next(n for n in extras if n.endswith("apiProperties.json"))
    extras[name]["properties"]["iconBrandColor"] = 5
    report = bundle.verify_documents(templates, extras)
    no_skips(report)
    assert report.problems == [
        f"{name}: api-properties schema: properties/iconBrandColor: 5 is not of type 'string'"
    ]


def test_an_embedded_swagger_that_drifts_from_the_schema_is_named_per_cloud(
    built: Documents,
) -> None:
    templates, extras = copy.deepcopy(built)
    name, template = next(
        (n, t)
        for n, t in templates.items()
        if any(r["type"] == "Microsoft.Web/customApis" for r in t["resources"])
    )
    api = next(r for r in template["resources"] if r["type"] == "Microsoft.Web/customApis")
    api["properties"]["swagger"]["info"]["title"] = "Renamed"
    problems = problems_with(templates, extras)
    clouds = list(load_model().clouds)
    assert [p for p in problems if "embedded Swagger" in p] == [
        f"{name}: embedded Swagger differs for {cloud}" for cloud in clouds
    ]


def test_verify_refuses_a_zip_with_a_variable_timestamp(
    bundles: Dict[str, List[Path]], tmp_path: Path
) -> None:
    archive, folder = bundles["sentinel"]
    copied = tmp_path / archive.name
    with zipfile.ZipFile(archive) as zin, zipfile.ZipFile(copied, "w") as zout:
        for info in zin.infolist():
            info.date_time = (2026, 1, 1, 12, 0, 0)
            zout.writestr(info, zin.read(info))
    with pytest.raises(SystemExit, match="is not deterministic"):
        bundle.verify([copied, folder])
