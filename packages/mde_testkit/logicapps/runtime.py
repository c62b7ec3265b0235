"""Run a Logic Apps workflow definition offline: the action types and functions the playbooks use.

Actions run in runAfter order with Logic Apps' status rules; HTTP and managed-connector calls go to
handlers the caller supplies (the MDE emulator, a Sentinel stand-in). No retries, no concurrency.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional

from .definition import ActionResult, ConnectorHandler, HttpHandler, Response, RunResult, _children
from .expressions import Access, Call, Literal, Node, Template, parse_wdl_string
from .functions import PURE, EvaluationError, format_time, to_string

SUPPORTED_ACTIONS = frozenset(
    "Compose InitializeVariable SetVariable AppendToStringVariable AppendToArrayVariable "
    "IncrementVariable Query Select If Foreach Scope Http ApiConnection Terminate".split()
)
VARIABLE_TYPES = {"String": str, "Integer": int, "Array": list, "Boolean": bool, "Object": dict}


class Terminated(Exception):
    def __init__(self, status: str, error: Any) -> None:
        super().__init__(status)
        self.status, self.error = status, error


_PARSED: Dict[str, Template] = {}


def _template(text: str) -> Template:
    if text not in _PARSED:
        _PARSED[text] = parse_wdl_string(text)
    return _PARSED[text]


class Runner:
    def __init__(
        self,
        definition: Mapping[str, Any],
        parameters: Mapping[str, Any],
        http: HttpHandler,
        connector: ConnectorHandler,
        workflow_name: str = "playbook",
        now: Optional[datetime] = None,
    ) -> None:
        self.definition = definition
        self.parameters = {
            name: parameters.get(name, spec.get("defaultValue"))
            for name, spec in definition.get("parameters", {}).items()
        }
        self.http, self.connector = http, connector
        self.workflow_name = workflow_name
        self.now = now or datetime.now(timezone.utc)
        self.results: Dict[str, ActionResult] = {}
        self.variables: Dict[str, Any] = {}
        self.loops: Dict[str, Any] = {}
        self.item_stack: List[Any] = []
        self.trigger: Dict[str, Any] = {}
        self.requests: List[Dict[str, Any]] = []

    # -- expressions ------------------------------------------------------------------------------
    def value(self, raw: Any) -> Any:
        """Evaluate every expression in a JSON value."""
        if isinstance(raw, dict):
            return {k: self.value(v) for k, v in raw.items()}
        if isinstance(raw, list):
            return [self.value(v) for v in raw]
        if not isinstance(raw, str):
            return raw
        template = _template(raw)
        if isinstance(template, str):
            return template
        if isinstance(template, list):
            return "".join(p if isinstance(p, str) else to_string(self.node(p)) for p in template)
        return self.node(template)

    def node(self, node: Node) -> Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Access):
            target, key = self.node(node.target), self.node(node.key)
            if target is None:
                if node.safe:
                    return None
                raise EvaluationError(f"cannot read property {key!r} of null")
            if isinstance(target, dict) and isinstance(key, str):
                if key in target:
                    return target[key]
            elif isinstance(target, list) and isinstance(key, int) and not isinstance(key, bool):
                if -len(target) <= key < len(target):
                    return target[key]
            else:
                raise EvaluationError(f"cannot read property {key!r} of a {type(target).__name__}")
            if node.safe:
                return None
            raise EvaluationError(f"property {key!r} does not exist")
        assert isinstance(node, Call)
        args = [self.node(a) for a in node.args]
        name = node.name.lower()
        bound = getattr(self, f"fn_{name}", None)
        function = bound or PURE.get(name)
        if function is None:
            raise EvaluationError(f"{node.name}() is outside the evaluated subset")
        try:
            return function(*args)
        except EvaluationError:
            raise
        except (TypeError, ValueError, IndexError) as exc:
            raise EvaluationError(f"{node.name}(): {exc}") from None

    def fn_parameters(self, name: str) -> Any:
        if name not in self.parameters:
            raise EvaluationError(f"workflow parameter {name!r} is not declared")
        return self.parameters[name]

    def fn_triggerbody(self) -> Any:
        return self.trigger.get("body")

    def fn_triggeroutputs(self) -> Any:
        return self.trigger

    def _result(self, name: str) -> ActionResult:
        result = self.results.get(name)
        if result is None or result.status == "Skipped":
            raise EvaluationError(f"action {name!r} has not run")
        return result

    def fn_outputs(self, name: str) -> Any:
        return self._result(name).outputs

    def fn_body(self, name: str) -> Any:
        outputs = self._result(name).outputs
        return outputs.get("body") if isinstance(outputs, dict) else outputs

    def fn_actions(self, name: str) -> Any:
        r = self._result(name)
        return {"name": r.name, "status": r.status, "inputs": r.inputs, "outputs": r.outputs}

    def fn_items(self, loop: str) -> Any:
        if loop not in self.loops:
            raise EvaluationError(f"items({loop!r}) outside that loop")
        return self.loops[loop]

    def fn_item(self) -> Any:
        if not self.item_stack:
            raise EvaluationError("item() outside a Select, Query or loop")
        return self.item_stack[-1]

    def fn_variables(self, name: str) -> Any:
        if name not in self.variables:
            raise EvaluationError(f"variable {name!r} is not initialized")
        return self.variables[name]

    def fn_workflow(self) -> Dict[str, Any]:
        return {"name": self.workflow_name, "run": {"name": "offline"}}

    def fn_utcnow(self, fmt: str = "o") -> str:
        return format_time(self.now, fmt)

    def fn_guid(self) -> str:
        return str(uuid.uuid4())

    def fn_listcallbackurl(self) -> str:
        return "https://offline.invalid/callback"

    # -- running ----------------------------------------------------------------------------------
    def run(self, trigger_body: Any) -> RunResult:
        self.trigger = {"body": trigger_body, "headers": {}}
        try:
            status = self.container(self.definition.get("actions", {}))
            error = None
        except Terminated as stop:
            status, error = stop.status, stop.error
        return RunResult(status, self.results, error, self.requests)

    def container(self, actions: Mapping[str, Any]) -> str:
        pending = dict(actions)
        done: Dict[str, str] = {}
        while pending:
            ready = [n for n, a in pending.items() if all(d in done for d in a.get("runAfter", {}))]
            if not ready:
                raise EvaluationError(f"runAfter cannot be satisfied for {sorted(pending)}")
            for name in ready:
                action = pending.pop(name)
                wanted = action.get("runAfter", {})
                if all(done[d] in states for d, states in wanted.items()):
                    done[name] = self.execute(name, action)
                else:
                    self.results[name] = ActionResult(name, "Skipped")
                    self.skip_children(action)
                    done[name] = "Skipped"
        after = {d for a in actions.values() for d in a.get("runAfter", {})}
        last = [done[n] for n in actions if n not in after]
        return "Failed" if any(s in ("Failed", "TimedOut") for s in last) else "Succeeded"

    def skip_children(self, action: Mapping[str, Any]) -> None:
        for child in _children(action):
            for name, inner in child.items():
                self.results[name] = ActionResult(name, "Skipped")
                self.skip_children(inner)

    def execute(self, name: str, action: Mapping[str, Any]) -> str:
        kind = action["type"]
        handler = getattr(self, f"do_{kind.lower()}", None)
        if handler is None:
            raise EvaluationError(f"action type {kind} is outside the evaluated subset")
        result = ActionResult(name, "Succeeded")
        self.results[name] = result
        try:
            handler(action, result)
        except EvaluationError as exc:
            result.status, result.error = "Failed", str(exc)
        return result.status

    def do_compose(self, action: Mapping[str, Any], result: ActionResult) -> None:
        result.inputs = result.outputs = self.value(action.get("inputs"))

    def do_initializevariable(self, action: Mapping[str, Any], result: ActionResult) -> None:
        for spec in action["inputs"]["variables"]:
            value = self.value(spec.get("value"))
            expected = VARIABLE_TYPES[spec["type"]]
            if value is not None and not isinstance(value, expected):
                raise EvaluationError(f"variable {spec['name']} is {spec['type']}, got {value!r}")
            self.variables[spec["name"]] = value

    def do_setvariable(self, action: Mapping[str, Any], result: ActionResult) -> None:
        inputs = action["inputs"]
        self.fn_variables(inputs["name"])
        self.variables[inputs["name"]] = self.value(inputs["value"])

    def do_appendtostringvariable(self, action: Mapping[str, Any], result: ActionResult) -> None:
        name = action["inputs"]["name"]
        self.variables[name] = self.fn_variables(name) + to_string(
            self.value(action["inputs"]["value"])
        )

    def do_appendtoarrayvariable(self, action: Mapping[str, Any], result: ActionResult) -> None:
        name = action["inputs"]["name"]
        self.variables[name] = [*self.fn_variables(name), self.value(action["inputs"]["value"])]

    def do_incrementvariable(self, action: Mapping[str, Any], result: ActionResult) -> None:
        name = action["inputs"]["name"]
        by = self.value(action["inputs"].get("value", 1))
        if not isinstance(by, int) or isinstance(by, bool):
            raise EvaluationError(f"IncrementVariable {name} by {by!r}")
        self.variables[name] = self.fn_variables(name) + by

    def _each(self, source: Any, fn: Callable[[Any], Any]) -> List[Any]:
        if not isinstance(source, list):
            raise EvaluationError(f"'from' must be an array, got {type(source).__name__}")
        out = []
        for item in source:
            self.item_stack.append(item)
            try:
                out.append(fn(item))
            finally:
                self.item_stack.pop()
        return out

    def do_query(self, action: Mapping[str, Any], result: ActionResult) -> None:
        source = self.value(action["inputs"]["from"])
        where = action["inputs"]["where"]
        keep = self._each(source, lambda _: self.condition(where))
        result.outputs = {"body": [item for item, k in zip(source, keep) if k]}

    def do_select(self, action: Mapping[str, Any], result: ActionResult) -> None:
        source = self.value(action["inputs"]["from"])
        result.outputs = {
            "body": self._each(source, lambda _: self.value(action["inputs"]["select"]))
        }

    def condition(self, expression: Any) -> bool:
        """An If/Query condition: a boolean expression string or the designer's object form."""
        if isinstance(expression, str):
            value = self.value(expression)
        else:
            ((op, operands),) = expression.items()
            if op in ("and", "or"):
                checks = [self.condition(o) for o in operands]
                value = all(checks) if op == "and" else any(checks)
            elif op == "not":
                value = not self.condition(operands)
            else:
                value = PURE[op.lower()](*[self.value(o) for o in operands])
        if not isinstance(value, bool):
            raise EvaluationError(f"condition evaluated to {value!r}, not a boolean")
        return value

    def do_if(self, action: Mapping[str, Any], result: ActionResult) -> None:
        then, other = action.get("actions") or {}, (action.get("else") or {}).get("actions") or {}
        if not self.condition(action["expression"]):
            then, other = other, then
        self.skip_children({"actions": other})
        result.status = self.container(then)

    def do_scope(self, action: Mapping[str, Any], result: ActionResult) -> None:
        result.status = self.container(action.get("actions", {}))

    def do_foreach(self, action: Mapping[str, Any], result: ActionResult) -> None:
        items = self.value(action["foreach"])
        if not isinstance(items, list):
            raise EvaluationError("foreach needs an array")
        statuses = []
        for item in items:
            self.loops[result.name] = item
            self.item_stack.append(item)
            try:
                statuses.append(self.container(action.get("actions", {})))
            finally:
                self.item_stack.pop()
                self.loops.pop(result.name, None)
        result.outputs = {"iterations": len(items)}
        result.status = "Failed" if "Failed" in statuses else "Succeeded"

    def _call(self, result: ActionResult, response: Response) -> None:
        result.outputs = {
            "statusCode": response.status,
            "headers": response.headers,
            "body": response.body,
        }
        if response.status >= 400:
            result.status = "Failed"
            result.error = f"HTTP {response.status}"

    def do_http(self, action: Mapping[str, Any], result: ActionResult) -> None:
        inputs = self.value(action["inputs"])
        for key in ("method", "uri"):
            if not isinstance(inputs.get(key), str):
                raise EvaluationError(f"Http action needs a {key}")
        result.inputs = inputs
        self.requests.append(inputs)
        self._call(result, self.http(inputs))

    def do_apiconnection(self, action: Mapping[str, Any], result: ActionResult) -> None:
        inputs = self.value(action["inputs"])
        connection_id = inputs["host"]["connection"]["name"]
        key = next(
            (
                k
                for k, v in self.parameters.get("$connections", {}).items()
                if v.get("connectionId") == connection_id
            ),
            None,
        )
        if key is None:
            raise EvaluationError(f"connection {connection_id!r} is not in $connections")
        result.inputs = inputs
        self._call(result, self.connector(key, inputs))

    def do_terminate(self, action: Mapping[str, Any], result: ActionResult) -> None:
        inputs = self.value(action["inputs"])
        result.inputs = inputs
        raise Terminated(inputs["runStatus"], inputs.get("runError"))
