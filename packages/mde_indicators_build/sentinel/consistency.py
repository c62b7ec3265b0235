"""Consistency of the rendered Sentinel files with the schema: enums, field names, paths, body keys, limits.

A second, independent reading of the outputs (not of the templates): whatever the templates do, the
documents shipped must carry exactly the schema's values.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Dict, List, Mapping, Set, Tuple

from mde_indicators.guardrails import Guardrails
from mde_indicators.model import Model
from mde_testkit.logicapps.definition import walk_actions
from mde_testkit.logicapps.expressions import Literal, calls, parse_wdl_string, template_nodes

from .context import clouds, entity_kinds


def string_literals(text: str) -> Set[str]:
    found: Set[str] = set()
    for node in template_nodes(parse_wdl_string(text)):
        for call in calls(node):
            found |= {
                a.value for a in call.args if isinstance(a, Literal) and isinstance(a.value, str)
            }
    return found


def call_literals(text: str, function: str) -> Set[Any]:
    """The literal arguments after the first of every call to `function` in an expression."""
    found: Set[Any] = set()
    for node in template_nodes(parse_wdl_string(text)):
        for call in calls(node):
            if call.name.lower() == function.lower():
                found |= {a.value for a in call.args[1:] if isinstance(a, Literal)}
    return found


def protected_list_problems(name: str, keys: Set[str]) -> List[str]:
    """Every value of the built-in protected list (the CLI's and Splunk's) is in the rendered table."""
    guard = Guardrails.load()
    wanted = {f"h:{h}" for h in guard.hashes} | {f"d:{d.replace('.', '|')}" for d in guard.domains}
    wanted |= {f"p:{d.replace('.', '|')}" for d in guard.parents}
    for network, _ in guard.networks:
        if network.version == 4:
            wanted.add(f"n:{network.prefixlen}/{int(network.network_address)}")
        elif network.prefixlen == 128:
            wanted.add(f"i:{ipaddress.IPv6Address(network.network_address).compressed}")
    missing = sorted(wanted - keys)
    return [f"{name} protected values missing from the template: {missing[:10]}"] if missing else []


def _workflow(template: Mapping[str, Any]) -> Dict[str, Any]:
    for r in template["resources"]:
        if r["type"] == "Microsoft.Logic/workflows":
            return dict(r)
    return {}


def _actions(template: Mapping[str, Any]) -> Dict[str, Mapping[str, Any]]:
    definition = _workflow(template)["properties"]["definition"]
    return {n: a for n, a, _, _ in walk_actions(definition["actions"])}


def swagger_problems(swagger: Mapping[str, Any], model: Model) -> List[str]:
    out: List[str] = []
    defs = swagger["definitions"]
    given = defs["IndicatorInput"]["properties"]
    expect: List[Tuple[str, Any, Any]] = [
        ("request fields", list(given), [f.name for f in model.request_fields]),
        (
            "required fields",
            defs["IndicatorInput"]["required"],
            [f.name for f in model.request_fields if f.required],
        ),
        ("request indicator types", given["indicatorType"]["enum"], list(model.indicator_types)),
        ("request actions", given["action"]["enum"], list(model.current_actions())),
        ("severities", given["severity"]["enum"], list(model.severities)),
        (
            "response actions",
            defs["Indicator"]["properties"]["action"]["enum"],
            list(model.actions),
        ),
        (
            "response fields",
            list(defs["Indicator"]["properties"]),
            list(model.response_field_order),
        ),
        (
            "import result fields",
            list(defs["ImportResult"]["properties"]),
            list(model.import_result.values()),
        ),
        ("paths", sorted(swagger["paths"]), sorted({op.path for op in model.operations.values()})),
        ("basePath", swagger["basePath"], model.path_prefix),
    ]
    for name, op in model.operations.items():
        spec = swagger["paths"][op.path].get(op.method.lower(), {})
        expect.append((f"{name} operationId", spec.get("operationId"), name))
        if op.body_key:
            body = next(p for p in spec["parameters"] if p["in"] == "body")["schema"]["properties"]
            expect.append((f"{name} body key", list(body), [op.body_key]))
            expect.append(
                (f"{name} batch size", body.get(op.body_key, {}).get("maxItems"), op.batch_size)
            )
    out += [f"swagger {n}: {g!r} != schema {e!r}" for n, g, e in expect if g != e]
    return out


def playbook_problems(name: str, template: Mapping[str, Any], model: Model) -> List[str]:
    out: List[str] = []
    params = template["parameters"]
    kinds = entity_kinds(model)
    expect: List[Tuple[str, Any, Any]] = [
        ("Cloud values", params["Cloud"]["allowedValues"], list(model.clouds)),
        ("cloud table", template["variables"]["MdeClouds"], clouds(model)),
        ("gallery entities", template["metadata"]["entities"], [k.gallery for k in kinds]),
    ]
    actions = _actions(template)
    collected = {t for k in kinds for t in k.types}
    candidates = actions["Select_Candidates"]["inputs"]["select"]
    expect.append(
        (
            "entity types",
            string_literals(candidates["indicatorType"]) & set(model.indicator_types),
            collected,
        )
    )
    if "Select_Indicators" in actions:
        op = model.operations["ImportIndicators"]
        keys = list(actions["Select_Indicators"]["inputs"]["select"])
        request = {f.name for f in model.request_fields}
        expect.append(("indicator body fields", sorted(set(keys) - request), []))
        expect.append(
            ("Severity values", params["Severity"]["allowedValues"], list(model.severities))
        )
        for family in {model.indicator_types[t].family for t in collected}:
            pname = f"{family.capitalize()}Action"
            first = next(t for t in collected if model.indicator_types[t].family == family)
            expect.append(
                (
                    f"{pname} values",
                    params[pname]["allowedValues"],
                    list(model.current_actions(first)),
                )
            )
        http = actions["Import_Indicators"]["inputs"]
        expect.append(("import body key", list(http["body"]), [op.body_key]))
        expect.append(("import path", http["uri"].split("}", 1)[1], model.path_prefix + op.path))
        batch = actions["Batch"]["inputs"]
        expect.append(("import batch", call_literals(batch, "take"), {op.batch_size}))
        expect.append(("import batch step", call_literals(batch, "mul"), {op.batch_size}))
        expect.append(
            (
                "import batch count",
                call_literals(actions["For_each_batch"]["foreach"], "div"),
                {op.batch_size},
            )
        )
        check = actions["Select_Checked"]["inputs"]["select"]
        expect.append(
            (
                "blocking actions",
                string_literals(check) & set(model.actions),
                {a.name for a in model.actions.values() if a.blocks},
            )
        )
        out += protected_list_problems(
            name, set(actions["Protected_Builtin"]["inputs"].get("keys", []))
        )
    if "Batch_Delete" in actions:
        op = model.operations["BatchDeleteIndicators"]
        http = actions["Batch_Delete"]["inputs"]
        expect.append(("BatchDelete body key", list(http["body"]), [op.body_key]))
        expect.append(
            ("BatchDelete path", http["uri"].split("}", 1)[1], model.path_prefix + op.path)
        )
        expect.append(
            (
                "BatchDelete batch",
                call_literals(actions["Delete_Batch"]["inputs"], "take"),
                {op.batch_size},
            )
        )
        listing = actions["List_Indicators"]["inputs"]
        expect.append(
            (
                "list path",
                listing["uri"].split("}", 1)[1],
                model.path_prefix + model.operations["ListIndicators"].path,
            )
        )
        filterable = {f.name for f in model.filterable_fields}
        named = {f for f in model.fields if f"{f} eq " in listing["queries"]["$filter"]}
        expect.append(("filter fields", sorted(named - filterable), []))
        expect.append(("filter fields used", sorted(named), ["indicatorType", "indicatorValue"]))
    out += [f"{name} {n}: {g!r} != schema {e!r}" for n, g, e in expect if g != e]
    return out


def consistency_problems(
    templates: Mapping[str, Mapping[str, Any]], extras: Mapping[str, Any], model: Model
) -> List[str]:
    out: List[str] = []
    for name, template in templates.items():
        if _workflow(template):
            try:
                out += playbook_problems(name, template, model)
            except KeyError as exc:
                out.append(f"{name}: {exc} is missing where the schema expects it")
        for r in template["resources"]:
            if r["type"] == "Microsoft.Web/customApis":
                swagger = dict(r["properties"]["swagger"], host="resolved per cloud elsewhere")
                out += [f"{name}: {p}" for p in swagger_problems(swagger, model)]
    for name, document in extras.items():
        if name.endswith("swagger.json"):
            out += [f"{name}: {p}" for p in swagger_problems(document, model)]
    return out
