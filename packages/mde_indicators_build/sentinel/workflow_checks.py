"""Semantic checks of a Logic Apps workflow inside an ARM template (no JSON schema exists for definitions).

References resolve (runAfter, body/outputs/actions/items/variables/parameters, $connections), documented
limits hold (names <= 80, nesting <= 8, <= 500 actions ...), and every expression parses with known functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Set, Tuple

from mde_testkit.logicapps.definition import STATUSES, _children, walk_actions
from mde_testkit.logicapps.expressions import (
    Call,
    ExpressionError,
    calls,
    is_arm_expression,
    parse_wdl_string,
    template_nodes,
)
from mde_testkit.logicapps.functions import PURE, RECENT, arity_problem
from mde_testkit.logicapps.runtime import SUPPORTED_ACTIONS, Runner, definition_problems

# MicrosoftDocs/azure-docs articles/logic-apps/logic-apps-limits-and-config.md (definition limits)
LIMITS = {
    "actions": 500,
    "nesting": 8,
    "triggers": 10,
    "switch_cases": 25,
    "variables": 250,
    "name": 80,
    "expression": 8192,
    "parameters": 50,
    "outputs": 10,
}
KNOWN_TYPES = SUPPORTED_ACTIONS | {
    "Switch",
    "Until",
    "ApiConnectionWebhook",
    "Response",
    "Workflow",
    "Wait",
    "ParseJson",
    "Table",
    "Join",
}
REFERENCING = {"body", "outputs", "actions", "result", "actionbody", "actionoutputs"}


def _strings(raw: Any, where: str) -> Iterator[Tuple[str, str]]:
    if isinstance(raw, dict):
        for k, v in raw.items():
            yield from _strings(v, f"{where}.{k}")
    elif isinstance(raw, list):
        for i, v in enumerate(raw):
            yield from _strings(v, f"{where}[{i}]")
    elif isinstance(raw, str):
        yield where, raw


def _own(action: Mapping[str, Any]) -> Dict[str, Any]:
    """The action without its nested actions (those are checked on their own)."""
    return {k: v for k, v in action.items() if k not in ("actions", "else", "cases", "default")}


def _predecessors(name: str, container: Mapping[str, Any]) -> Set[str]:
    seen: Set[str] = set()
    todo = list(container[name].get("runAfter", {}))
    while todo:
        n = todo.pop()
        if n in seen or n not in container:
            continue
        seen.add(n)
        todo.extend(container[n].get("runAfter", {}))
    return seen


def _descendants(action: Mapping[str, Any]) -> Set[str]:
    return {n for child in _children(action) for n, _, _, _ in walk_actions(child)}


def check_workflow(
    workflow: Mapping[str, Any], template: Mapping[str, Any]
) -> Tuple[List[str], int]:
    """(problems, number of checks made) for one Microsoft.Logic/workflows resource of a template."""
    problems: List[str] = []
    count = 0

    def check(ok: bool, message: str) -> None:
        nonlocal count
        count += 1
        if not ok:
            problems.append(message)

    props = workflow.get("properties", {})
    definition = props.get("definition", {})
    actions = definition.get("actions", {})
    triggers = definition.get("triggers", {})
    declared_params = definition.get("parameters", {})
    flat = walk_actions(actions)
    names = [n for n, _, _, _ in flat]
    by_name = {n: (a, parents, siblings) for n, a, parents, siblings in flat}
    foreach = {n for n, a, _, _ in flat if a.get("type") == "Foreach"}
    variables = {
        v["name"]
        for _, a, parents, _ in flat
        if a.get("type") == "InitializeVariable"
        for v in a.get("inputs", {}).get("variables", [])
    }
    check(
        len(names) == len(set(names)),
        f"action names repeat: {sorted({n for n in names if names.count(n) > 1})}",
    )
    check(len(names) <= LIMITS["actions"], f"{len(names)} actions exceed {LIMITS['actions']}")
    check(
        len(triggers) <= LIMITS["triggers"], f"{len(triggers)} triggers exceed {LIMITS['triggers']}"
    )
    check(len(variables) <= LIMITS["variables"], "too many variables")
    check(len(declared_params) <= LIMITS["parameters"], "too many workflow parameters")
    check(len(definition.get("outputs", {})) <= LIMITS["outputs"], "too many outputs")
    connections = props.get("parameters", {}).get("$connections", {}).get("value", {})
    for name in triggers:
        check(len(name) <= LIMITS["name"], f"trigger name {name!r} is longer than {LIMITS['name']}")
    for name, action, parents, siblings in flat:
        kind = action.get("type")
        check(len(name) <= LIMITS["name"], f"action name {name!r} is longer than {LIMITS['name']}")
        check(len(parents) + 1 <= LIMITS["nesting"], f"{name} is nested {len(parents) + 1} deep")
        check(kind in KNOWN_TYPES, f"{name}: unknown action type {kind}")
        if kind == "Switch":
            check(len(action.get("cases", {})) <= LIMITS["switch_cases"], f"{name}: too many cases")
        if kind == "InitializeVariable":
            check(not parents, f"{name}: variables can only be initialized at the top level")
            declared = action.get("inputs", {}).get("variables", [])
            check(
                len(declared) == 1,
                f"{name}: initializes {len(declared)} variables; one per action works in every cloud",
            )
        for dep, states in action.get("runAfter", {}).items():
            check(
                dep in siblings and dep != name, f"{name}: runAfter {dep!r} is not a sibling action"
            )
            check(
                bool(states) and set(states) <= set(STATUSES),
                f"{name}: runAfter {dep} statuses {states}",
            )
        if dep_cycle(name, siblings):
            problems.append(f"{name}: runAfter cycle")
        if kind == "Http":
            inputs = action.get("inputs", {})
            check("method" in inputs and "uri" in inputs, f"{name}: Http needs method and uri")
            auth = inputs.get("authentication", {})
            if auth.get("type") == "ManagedServiceIdentity":
                check(bool(auth.get("audience")), f"{name}: managed identity without an audience")
        if kind in ("ApiConnection", "ApiConnectionWebhook"):
            check(
                bool(action.get("inputs", {}).get("host", {}).get("connection", {}).get("name")),
                f"{name}: no host.connection.name",
            )
        # everything an expression here may reference: earlier actions (and what they contain),
        # earlier actions of enclosing containers, and the enclosing actions themselves
        reachable: Set[str] = set(parents)
        chain = [(name, siblings)] + [(p, by_name[p][2]) for p in parents]
        for n, container in chain:
            for pred in _predecessors(n, container):
                reachable.add(pred)
                reachable |= _descendants(container[pred])
        item_scope = kind in ("Select", "Query") or any(p in foreach for p in parents)
        scope = _Scope(reachable, parents, foreach, variables, declared_params, item_scope)
        count += _check_expressions(name, _own(action), scope, problems)
    trigger_scope = _Scope(set(), (), foreach, variables, declared_params, False)
    for name, trigger in triggers.items():
        count += _check_expressions(name, trigger, trigger_scope, problems)
    # what Azure refuses when saving: a SetVariable reading its own variable (the rest is above)
    problems.extend(p for p in definition_problems(definition) if "self reference" in p)
    count += 1
    for key in sorted(connection_keys_used(definition) - set(connections)):
        problems.append(
            f"$connections['{key}'] is used but not declared in the workflow's parameters"
        )
    for key, entry in connections.items():
        check(
            all(k in entry for k in ("connectionId", "connectionName", "id")),
            f"$connections.{key} is incomplete",
        )
        connection_id = str(entry.get("connectionId", ""))
        check(
            connection_id in workflow.get("dependsOn", []),
            f"$connections.{key}: {connection_id} is not in dependsOn",
        )
        named = str(entry.get("connectionName", ""))
        check(
            any(
                r.get("name") == named and r.get("type") == "Microsoft.Web/connections"
                for r in template.get("resources", [])
            ),
            f"$connections.{key}: no Microsoft.Web/connections resource named {named}",
        )
    for pname in declared_params:
        check(
            pname in props.get("parameters", {}) or "defaultValue" in declared_params[pname],
            f"workflow parameter {pname} has neither a value nor a default",
        )
    return problems, count


def dep_cycle(start: str, container: Mapping[str, Any]) -> bool:
    return start in _predecessors(start, container)


@dataclass(frozen=True)
class _Scope:
    """What an expression at one place of the workflow may refer to."""

    reachable: Set[str]
    parents: Tuple[str, ...]
    foreach: Set[str]
    variables: Set[str]
    params: Mapping[str, Any]
    item_scope: bool


def _check_expressions(
    name: str, raw: Mapping[str, Any], scope: _Scope, problems: List[str]
) -> int:
    count = 0
    for where, text in _strings(raw, name):
        count += 1
        if is_arm_expression(text):
            continue  # a template expression, resolved at deployment (checked by the ARM evaluator)
        if text.startswith("[") and not text.startswith("[["):
            problems.append(
                f"{where}: starts with '[' and would be taken for a template expression"
            )
        try:
            nodes = template_nodes(parse_wdl_string(text))
        except ExpressionError as exc:
            problems.append(f"{where}: {exc}")
            continue
        if len(text) > LIMITS["expression"] and nodes:
            problems.append(f"{where}: expression longer than {LIMITS['expression']} characters")
        for node in nodes:
            for call in calls(node):
                problems.extend(f"{where}: {p}" for p in _check_call(call, scope))
    return count


def _check_call(call: Call, scope: _Scope) -> List[str]:
    fn = call.name.lower()
    refused = arity_problem(call.name, len(call.args))
    if refused:
        return [refused]
    out = []
    if fn in RECENT:
        out.append(f"{call.name}() is newer than the 2021 function reference; not in every cloud")
    if fn not in PURE and not hasattr(Runner, f"fn_{fn}"):
        out.append(f"{call.name}() is outside the offline evaluator's subset")
    arg = call.args[0].value if call.args and hasattr(call.args[0], "value") else None
    if fn in REFERENCING and arg not in scope.reachable:
        out.append(f"{call.name}({arg!r}) does not refer to an action that has run before")
    if fn == "items" and (arg not in scope.parents or arg not in scope.foreach):
        out.append(f"items({arg!r}) is not inside that Foreach")
    if fn == "item" and not scope.item_scope:
        out.append("item() outside a Select, Query or Foreach")
    if fn == "variables" and arg not in scope.variables:
        out.append(f"variables({arg!r}) is never initialized")
    if fn == "parameters" and arg not in scope.params:
        out.append(f"parameters({arg!r}) is not a workflow parameter")
    return out


def connection_keys_used(definition: Mapping[str, Any]) -> Set[str]:
    """Keys of $connections referenced as parameters('$connections')['key'] anywhere."""
    keys: Set[str] = set()
    for _, text in _strings(definition, ""):
        marker = "parameters('$connections')['"
        start = text.find(marker)
        while start >= 0:
            end = text.find("'", start + len(marker))
            keys.add(text[start + len(marker) : end])
            start = text.find(marker, end)
    return keys
