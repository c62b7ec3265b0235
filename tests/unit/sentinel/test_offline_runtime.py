"""The offline Logic Apps runtime decides statuses as Azure does, and refuses what Azure refuses to save.

Sources: learn.microsoft.com logic-apps-control-flow-run-steps-group-scopes ("when any action in the
scope fails or is canceled, the scope's status is marked Failed"), error-exception-handling (a branch
ending in a skipped action takes its predecessor's status; any failed branch fails the run), and the
function reference's iterationIndexes example (an Until loop).
"""

from __future__ import annotations

from typing import Any, Dict

import pytest

from mde_testkit.logicapps.definition import Response, RunResult
from mde_testkit.logicapps.runtime import Runner, WorkflowInvalid


def run(actions: Dict[str, Any], body: Any = None) -> RunResult:
    runner = Runner({"actions": actions}, {}, lambda _: Response(500), lambda *_: Response(500))
    return runner.run(body)


def compose(inputs: Any, after: Dict[str, Any] | None = None) -> Dict[str, Any]:
    return {"type": "Compose", "inputs": inputs, "runAfter": after or {}}


FAILS = "@div(1, 0)"


def test_a_scope_fails_when_an_action_inside_fails_even_if_a_later_one_handles_it() -> None:
    result = run(
        {
            "Scope": {
                "type": "Scope",
                "runAfter": {},
                "actions": {
                    "Broken": compose(FAILS),
                    "Handler": compose("handled", {"Broken": ["Failed"]}),
                },
            },
            "After": compose("ran", {"Scope": ["Failed"]}),
        }
    )
    assert result.actions["Broken"].status == "Failed"
    assert result.actions["Handler"].status == "Succeeded"
    assert result.actions["Scope"].status == "Failed"
    assert result.actions["After"].status == "Succeeded" and result.status == "Succeeded"


def test_a_condition_and_a_loop_fail_like_a_scope() -> None:
    result = run(
        {
            "If": {
                "type": "If",
                "runAfter": {},
                "expression": "@equals(1, 1)",
                "actions": {"Broken": compose(FAILS)},
            },
            "Loop": {
                "type": "Foreach",
                "runAfter": {"If": ["Failed"]},
                "foreach": "@createArray(1, 0, 2)",
                "actions": {"Divide": compose("@div(1, items('Loop'))")},
            },
            "End": compose("ok", {"Loop": ["Failed"]}),
        }
    )
    assert result.actions["If"].status == "Failed" and result.actions["Loop"].status == "Failed"
    assert result.status == "Succeeded"  # End handled both, and is the last action


def test_a_branch_ending_in_a_skipped_action_after_a_failure_fails_the_run() -> None:
    # the Q&A example: Compose fails, Response_OK is skipped, Response_Fail runs; the run fails
    result = run(
        {
            "Compose": compose(FAILS),
            "Response_OK": compose("ok", {"Compose": ["Succeeded"]}),
            "Response_Fail": compose("handled", {"Compose": ["Failed"]}),
        }
    )
    assert result.actions["Response_OK"].status == "Skipped"
    assert result.actions["Response_Fail"].status == "Succeeded"
    assert result.status == "Failed"


def test_a_skipped_branch_after_success_does_not_fail_the_run() -> None:
    result = run(
        {
            "Compose": compose("fine"),
            "On_Success": compose("ok", {"Compose": ["Succeeded"]}),
            "On_Failure": compose("handled", {"Compose": ["Failed"]}),
        }
    )
    assert result.actions["On_Failure"].status == "Skipped" and result.status == "Succeeded"


def test_until_runs_the_references_iteration_indexes_example() -> None:
    actions = {
        "Create_counter_variable": {
            "type": "InitializeVariable",
            "inputs": {"variables": [{"name": "myCounter", "type": "Integer", "value": 0}]},
            "runAfter": {},
        },
        "Create_current_index_variable": {
            "type": "InitializeVariable",
            "inputs": {
                "variables": [{"name": "myCurrentLoopIndex", "type": "Integer", "value": 0}]
            },
            "runAfter": {"Create_counter_variable": ["Succeeded"]},
        },
        "Until_Max_Increment": {
            "type": "Until",
            "actions": {
                "Assign_current_index_to_counter": {
                    "type": "SetVariable",
                    "inputs": {"name": "myCurrentLoopIndex", "value": "@variables('myCounter')"},
                    "runAfter": {"Increment_variable": ["Succeeded"]},
                },
                "Compose": {
                    "inputs": "'Current index: ' @{iterationIndexes('Until_Max_Increment')}",
                    "runAfter": {"Assign_current_index_to_counter": ["Succeeded"]},
                    "type": "Compose",
                },
                "Increment_variable": {
                    "type": "IncrementVariable",
                    "inputs": {"name": "myCounter", "value": 1},
                    "runAfter": {},
                },
            },
            "expression": "@equals(variables('myCounter'), 5)",
            "limit": {"count": 60, "timeout": "PT1H"},
            "runAfter": {"Create_current_index_variable": ["Succeeded"]},
        },
    }
    runner = Runner({"actions": actions}, {}, lambda _: Response(500), lambda *_: Response(500))
    result = runner.run(None)
    assert result.status == "Succeeded"
    assert runner.variables == {"myCounter": 5, "myCurrentLoopIndex": 5}
    assert result.actions["Compose"].outputs == "'Current index: ' 4"
    assert result.actions["Until_Max_Increment"].outputs == {"iterations": 5}


def test_until_stops_at_its_count_limit() -> None:
    runner = Runner(
        {
            "actions": {
                "Counter": {
                    "type": "InitializeVariable",
                    "runAfter": {},
                    "inputs": {"variables": [{"name": "n", "type": "Integer", "value": 0}]},
                },
                "Loop": {
                    "type": "Until",
                    "runAfter": {"Counter": ["Succeeded"]},
                    "expression": "@equals(1, 2)",
                    "limit": {"count": 3},
                    "actions": {
                        "Step": {
                            "type": "IncrementVariable",
                            "inputs": {"name": "n"},
                            "runAfter": {},
                        }
                    },
                },
            }
        },
        {},
        lambda _: Response(500),
        lambda *_: Response(500),
    )
    runner.run(None)
    assert runner.variables["n"] == 3


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        ({"A": compose("@nosuch()")}, "unknown function nosuch"),
        ({"A": compose("@concat('a')")}, r"concat\(\) takes 2"),
        ({"A": compose("@{toLower()}")}, r"toLower\(\) takes 1"),
        (
            {
                "Init": {
                    "type": "InitializeVariable",
                    "runAfter": {},
                    "inputs": {"variables": [{"name": "v", "type": "String", "value": "a"}]},
                },
                "Set": {
                    "type": "SetVariable",
                    "runAfter": {"Init": ["Succeeded"]},
                    "inputs": {"name": "v", "value": "@concat(variables('v'), 'b')"},
                },
            },
            "self reference",
        ),
        (
            {
                "Scope": {
                    "type": "Scope",
                    "runAfter": {},
                    "actions": {
                        "Init": {
                            "type": "InitializeVariable",
                            "runAfter": {},
                            "inputs": {"variables": [{"name": "v", "type": "String"}]},
                        }
                    },
                }
            },
            "top level",
        ),
        ({"A": compose("@concat('a', 'b'")}, "expected"),
    ],
)
def test_definitions_azure_refuses_to_save_never_run(actions: Dict[str, Any], message: str) -> None:
    with pytest.raises(WorkflowInvalid, match=message):
        run(actions)


def test_a_type_error_fails_the_action_and_the_run() -> None:
    result = run({"A": compose("@add('1', 1)"), "B": compose("x", {"A": ["Succeeded"]})})
    assert result.actions["A"].status == "Failed" and "add()" in (result.actions["A"].error or "")
    assert result.actions["B"].status == "Skipped" and result.status == "Failed"
