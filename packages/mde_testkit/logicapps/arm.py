"""Evaluate an ARM template offline: parameters, variables and the template functions the pack uses.

`deploy()` gives the resources as Azure would create them for given parameter values, so the Swagger and
the workflow definitions can be checked and run with every ARM expression resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional

from .expressions import Access, Call, Literal, Node, parse_arm_string
from .functions import EvaluationError, to_string

OFFLINE_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
OFFLINE_GROUP = {"name": "rg-offline", "location": "westeurope"}
# environment() as ARM returns it in each Azure cloud (learn.microsoft.com, azure-resource-manager
# template-functions-deployment#environment; names as in Get-AzEnvironment), the parts templates read.
ENVIRONMENTS: Dict[str, Dict[str, Any]] = {
    "AzureCloud": {
        "name": "AzureCloud",
        "portal": "https://portal.azure.com",
        "resourceManager": "https://management.azure.com/",
        "authentication": {
            "loginEndpoint": "https://login.microsoftonline.com/",
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
    },
    "AzureUSGovernment": {
        "name": "AzureUSGovernment",
        "portal": "https://portal.azure.us",
        "resourceManager": "https://management.usgovcloudapi.net/",
        "authentication": {
            "loginEndpoint": "https://login.microsoftonline.us/",
            "audiences": [
                "https://management.core.usgovcloudapi.net/",
                "https://management.usgovcloudapi.net/",
            ],
            "tenant": "common",
            "identityProvider": "AAD",
        },
    },
}
OFFLINE_GROUP_GOV = {"name": "rg-offline", "location": "usgovvirginia"}


@dataclass
class Deployment:
    parameters: Dict[str, Any]
    variables: Dict[str, Any]
    resources: List[Dict[str, Any]]

    def resource(self, type_: str) -> Dict[str, Any]:
        (found,) = [r for r in self.resources if r["type"] == type_]
        return found


class _Evaluator:
    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, Any],
        environment: str = "AzureCloud",
    ) -> None:
        self.template = template
        self.environment = ENVIRONMENTS[environment]
        group = OFFLINE_GROUP if environment == "AzureCloud" else OFFLINE_GROUP_GOV
        self.functions: Dict[str, Callable[..., Any]] = {
            "parameters": self._parameter,
            "variables": self.variable,
            "concat": _concat,
            "resourcegroup": lambda: dict(group),
            "subscription": lambda: {"subscriptionId": OFFLINE_SUBSCRIPTION},
            "environment": lambda: self.environment,
            "resourceid": lambda *a: _resource_id(group["name"], *a),
            "tolower": lambda s: s.lower(),
            "string": to_string,
            "if": lambda c, a, b: a if _boolean(c) else b,
            "equals": lambda a, b: a == b,
            "empty": lambda v: not v,
            "length": len,
            "sub": lambda a, b: a - b,
            "substring": _substring,
        }
        declared = template.get("parameters", {})
        unknown = set(parameters) - set(declared)
        if unknown:
            raise EvaluationError(f"unknown template parameters {sorted(unknown)}")
        self.parameters: Dict[str, Any] = {}
        self.variables: Dict[str, Any] = {}
        for name, spec in declared.items():
            if name in parameters:
                value = parameters[name]
            elif "defaultValue" in spec:
                value = self.value(spec["defaultValue"])
            else:
                raise EvaluationError(f"template parameter {name} has no value")
            allowed = spec.get("allowedValues")
            if allowed is not None and value not in allowed:
                raise EvaluationError(f"{name}={value!r} is not one of {allowed}")
            for bound, ok in (("minValue", lambda v, b: v >= b), ("maxValue", lambda v, b: v <= b)):
                if bound in spec and not ok(value, spec[bound]):
                    raise EvaluationError(f"{name}={value!r} violates {bound} {spec[bound]}")
            self.parameters[name] = value

    def _parameter(self, name: str) -> Any:
        if name not in self.parameters:
            raise EvaluationError(f"parameter {name!r} is not defined (or used in its own default)")
        return self.parameters[name]

    def variable(self, name: str) -> Any:
        if name not in self.variables:
            raw = self.template.get("variables", {})
            if name not in raw:
                raise EvaluationError(f"variable {name!r} is not defined")
            self.variables[name] = self.value(raw[name])
        return self.variables[name]

    def value(self, raw: Any) -> Any:
        if isinstance(raw, dict):
            return {self.value(k): self.value(v) for k, v in raw.items()}
        if isinstance(raw, list):
            return [self.value(v) for v in raw]
        if not isinstance(raw, str):
            return raw
        parsed = parse_arm_string(raw)
        return parsed if isinstance(parsed, str) else self.node(parsed)  # type: ignore[arg-type]

    def node(self, node: Node) -> Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Access):
            target, key = self.node(node.target), self.node(node.key)
            try:
                return target[key]
            except (KeyError, IndexError, TypeError):
                raise EvaluationError(f"cannot select {key!r}") from None
        assert isinstance(node, Call)
        function = self.functions.get(node.name.lower())
        if function is None:
            raise EvaluationError(
                f"template function {node.name}() is outside the evaluated subset"
            )
        return function(*[self.node(a) for a in node.args])


def _concat(*args: Any) -> Any:
    if args and all(isinstance(a, list) for a in args):
        return [x for a in args for x in a]
    return "".join(to_string(a) for a in args)


def _substring(text: Any, start: int, length: Optional[int] = None) -> str:
    end = len(text) if length is None else start + length
    if not isinstance(text, str) or start < 0 or end > len(text) or end < start:
        raise EvaluationError(f"substring({text!r}, {start}, {length}) is out of range")
    return text[start:end]


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise EvaluationError(f"if() needs a boolean condition, got {value!r}")
    return value


def _resource_id(group: str, type_: str, *names: str) -> str:
    provider, *kinds = type_.split("/")
    path = "/".join(f"{k}/{n}" for k, n in zip(kinds, names))
    return (
        f"/subscriptions/{OFFLINE_SUBSCRIPTION}/resourceGroups/{group}/providers/{provider}/{path}"
    )


def deploy(
    template: Mapping[str, Any],
    parameters: Optional[Mapping[str, Any]] = None,
    environment: str = "AzureCloud",
) -> Deployment:
    """Resolve every template expression for the given parameter values (defaults otherwise), as a
    deployment in the given Azure cloud (environment(): AzureCloud or AzureUSGovernment)."""
    evaluator = _Evaluator(template, parameters or {}, environment)
    resources = [evaluator.value(r) for r in template["resources"]]
    for name in template.get("variables", {}):
        evaluator.variable(name)
    return Deployment(evaluator.parameters, evaluator.variables, resources)


def arm_functions_used(template: Mapping[str, Any]) -> List[str]:
    """Names of the template functions a template calls (for the subset check)."""
    from .expressions import calls

    found: List[str] = []

    def walk(raw: Any) -> None:
        if isinstance(raw, dict):
            for k, v in raw.items():
                walk(k)
                walk(v)
        elif isinstance(raw, list):
            for v in raw:
                walk(v)
        elif isinstance(raw, str):
            parsed = parse_arm_string(raw)
            if not isinstance(parsed, str):
                found.extend(c.name for c in calls(parsed))  # type: ignore[arg-type]

    walk({k: v for k, v in template.items() if k != "metadata"})
    return found
