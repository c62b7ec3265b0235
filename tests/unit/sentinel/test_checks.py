"""The bundle's checks catch what this issue fixed: several variables in one InitializeVariable, a
SetVariable reading its own variable, functions newer than every cloud, a batch size or a protected
value that drifted from its source."""

from __future__ import annotations

import copy
from typing import Any, Dict

import pytest

from mde_indicators.model import load_model
from mde_indicators_build.sentinel.consistency import consistency_problems
from mde_indicators_build.sentinel.render import render_all
from mde_indicators_build.sentinel.workflow_checks import check_workflow

SUBMIT = "Submit-MDEIndicators-incident-trigger"
REMOVE = "Remove-MDEIndicators-incident-trigger"


@pytest.fixture(scope="module")
def templates() -> Dict[str, Dict[str, Any]]:
    return {r.name: r.template for r in render_all()}


def actions_of(template: Dict[str, Any]) -> Dict[str, Any]:
    (workflow,) = [r for r in template["resources"] if r["type"] == "Microsoft.Logic/workflows"]
    actions: Dict[str, Any] = workflow["properties"]["definition"]["actions"]
    return actions


def problems(template: Dict[str, Any]) -> list:
    (workflow,) = [r for r in template["resources"] if r["type"] == "Microsoft.Logic/workflows"]
    found, _count = check_workflow(workflow, template)
    return found


def test_the_rendered_playbooks_pass(templates: Dict[str, Dict[str, Any]]) -> None:
    for name, template in templates.items():
        if name != "MDEIndicatorsCustomConnector":
            assert problems(template) == [], name


def test_several_variables_in_one_initialize_action_are_reported(
    templates: Dict[str, Dict[str, Any]],
) -> None:
    template = copy.deepcopy(templates[SUBMIT])
    action = actions_of(template)["Initialize_Accepted"]
    action["inputs"]["variables"].append({"name": "Extra", "type": "Integer", "value": 0})
    assert any("initializes 2 variables" in p for p in problems(template))


def test_a_set_variable_reading_its_own_variable_is_reported(
    templates: Dict[str, Dict[str, Any]],
) -> None:
    template = copy.deepcopy(templates[SUBMIT])
    walk = actions_of(template)["Walk_Entity_Graph"]["actions"]
    walk["Set_Graph"]["inputs"]["value"] = (
        "@union(variables('Graph'), body('Filter_Entity_Objects'))"
    )
    assert any("self reference is not supported (variable Graph)" in p for p in problems(template))


def test_functions_newer_than_every_cloud_and_wrong_arity_are_reported(
    templates: Dict[str, Dict[str, Any]],
) -> None:
    template = copy.deepcopy(templates[SUBMIT])
    batch = actions_of(template)["Condition_Any_Indicators"]["actions"]["For_each_batch"]
    batch["foreach"] = "@chunk(outputs('Indicators_To_Send'), 500)"
    batch["actions"]["Batch"]["inputs"] = "@concat(items('For_each_batch'))"
    found = problems(template)
    assert any("chunk() is newer than the 2021 function reference" in p for p in found)
    assert any("concat() takes 2 to any argument(s), got 1" in p for p in found)


def test_a_batch_size_that_drifted_from_the_schema_is_reported(
    templates: Dict[str, Dict[str, Any]],
) -> None:
    model = load_model()
    template = copy.deepcopy(templates[SUBMIT])
    batch = actions_of(template)["Condition_Any_Indicators"]["actions"]["For_each_batch"]
    batch["actions"]["Batch"]["inputs"] = batch["actions"]["Batch"]["inputs"].replace(
        "500)", "1000)"
    )
    remove = copy.deepcopy(templates[REMOVE])
    deletes = actions_of(remove)["Condition_Any_Pending"]["actions"]["For_each_delete_batch"]
    deletes["actions"]["Delete_Batch"]["inputs"] = deletes["actions"]["Delete_Batch"][
        "inputs"
    ].replace("500)", "600)")
    found = consistency_problems({SUBMIT: template, REMOVE: remove}, {}, model)
    assert any(p.startswith(f"{SUBMIT} import batch:") for p in found), found
    assert any(p.startswith(f"{REMOVE} BatchDelete batch:") for p in found), found


def test_a_protected_value_missing_from_a_template_is_reported(
    templates: Dict[str, Dict[str, Any]],
) -> None:
    template = copy.deepcopy(templates[SUBMIT])
    table = actions_of(template)["Protected_Builtin"]["inputs"]
    table["keys"].remove("d:login|microsoftonline|com")
    found = consistency_problems({SUBMIT: template}, {}, load_model())
    assert any(
        "protected values missing from the template" in p and "login|microsoftonline" in p
        for p in found
    )


def test_a_lookup_filtering_on_more_fields_is_reported(
    templates: Dict[str, Dict[str, Any]],
) -> None:
    template = copy.deepcopy(templates[REMOVE])
    lookup = actions_of(template)["For_each_indicator"]["actions"]["List_Indicators"]["inputs"]
    lookup["queries"]["$filter"] = lookup["queries"]["$filter"].replace(
        "indicatorType eq", "application eq 'x' and indicatorType eq"
    )
    found = consistency_problems({REMOVE: template}, {}, load_model())
    assert any("filter fields used" in p for p in found), found
