"""Run a Logic Apps workflow definition offline: the action types and functions the playbooks use.

A model of Azure Logic Apps (Consumption), never more lenient than it. Sources: Microsoft's docs
(logic-apps-workflow-actions-triggers, logic-apps-control-flow-run-steps-group-scopes: "when any action
in the scope fails ... the scope's status is marked Failed"; error-exception-handling: a branch that ends
in a skipped action takes its predecessor's status and any failed branch fails the run), the function
reference (functions.py) and Azure's save-time validation (unknown functions, wrong argument counts and
self-referencing SetVariable are refused: WorkflowInvalid). HTTP and managed-connector calls go to
handlers the caller supplies (the MDE emulator, a Sentinel stand-in). No retries, no concurrency.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple

from .definition import ActionResult, ConnectorHandler, HttpHandler, Response, RunResult, _children
from .expressions import (
    Access,
    Call,
    ExpressionError,
    Literal,
    Node,
    Template,
    calls,
    parse_wdl_string,
    template_nodes,
)
from .functions import PURE, EvaluationError, arity_problem, format_time, to_string

SUPPORTED_ACTIONS = frozenset(
    "Compose InitializeVariable SetVariable AppendToStringVariable AppendToArrayVariable "
    "IncrementVariable Query Select If Foreach Until Scope Http ApiConnection Terminate".split()
)
CONTAINERS = frozenset("If Foreach Until Scope Switch".split())
VARIABLE_TYPES = {"String": str, "Integer": int, "Array": list, "Boolean": bool, "Object": dict}
FAILING = ("Failed", "TimedOut")
UNTIL_DEFAULT_COUNT = 60  # the designer's default limit.count


class WorkflowInvalid(EvaluationError):
    """A definition Azure refuses to save: the workflow never runs."""


class Terminated(Exception):
    def __init__(self, status: str, error: Any) -> None:
        super().__init__(status)
        self.status, self.error = status, error


_PARSED: Dict[str, Template] = {}


def _template(text: str) -> Template:
    if text not in _PARSED:
        _PARSED[text] = parse_wdl_string(text)
    return _PARSED[text]


def _strings(raw: Any) -> Iterator[str]:
    if isinstance(raw, dict):
        for value in raw.values():
            yield from _strings(value)
    elif isinstance(raw, list):
        for value in raw:
            yield from _strings(value)
    elif isinstance(raw, str):
        yield raw


def _own(action: Mapping[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in action.items() if k not in ("actions", "else", "cases", "default")}


def definition_problems(definition: Mapping[str, Any]) -> List[str]:
    """What Azure's save-time validation refuses: unparsable expressions, unknown functions, wrong
    argument counts, a SetVariable that reads its own variable, variables initialized in a container."""
    problems: List[str] = []

    def expressions(where: str, raw: Any) -> List[Call]:
        found: List[Call] = []
        for text in _strings(raw):
            try:
                nodes = template_nodes(_template(text))
            except ExpressionError as exc:
                problems.append(f"{where}: {exc}")
                continue
            for node in nodes:
                found.extend(calls(node))
        return found

    def walk(actions: Mapping[str, Any], nested: bool) -> None:
        for name, action in actions.items():
            kind = action.get("type")
            found = expressions(name, _own(action))
            problems.extend(
                f"{name}: {p}" for c in found if (p := arity_problem(c.name, len(c.args)))
            )
            if kind == "SetVariable":
                target = (action.get("inputs") or {}).get("name")
                if any(
                    c.name.lower() == "variables"
                    and c.args
                    and isinstance(c.args[0], Literal)
                    and c.args[0].value == target
                    for c in found
                ):
                    problems.append(f"{name}: self reference is not supported (variable {target})")
            if kind == "InitializeVariable" and nested:
                problems.append(f"{name}: variables can only be initialized at the top level")
            for child in _children(action):
                walk(child, True)

    for name, trigger in (definition.get("triggers") or {}).items():
        problems.extend(
            f"{name}: {p}"
            for c in expressions(name, trigger)
            if (p := arity_problem(c.name, len(c.args)))
        )
    walk(definition.get("actions") or {}, False)
    return problems


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
        problems = definition_problems(definition)
        if problems:
            raise WorkflowInvalid("the workflow definition is invalid: " + "; ".join(problems))
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
        self.iterations: Dict[str, int] = {}
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
            return self._access(self.node(node.target), self.node(node.key), node.safe)
        assert isinstance(node, Call)
        args = [self.node(a) for a in node.args]
        name = node.name.lower()
        problem = arity_problem(node.name, len(args))
        if problem:
            raise WorkflowInvalid(problem)
        bound = getattr(self, f"fn_{name}", None)
        function = bound or PURE.get(name)
        if function is None:
            raise EvaluationError(f"{node.name}() is outside the evaluated subset")
        try:
            return function(*args)
        except EvaluationError:
            raise
        except (TypeError, ValueError, IndexError, KeyError) as exc:
            raise EvaluationError(f"{node.name}(): {exc}") from None

    @staticmethod
    def _access(target: Any, key: Any, safe: bool) -> Any:
        if target is None:
            if safe:
                return None
            raise EvaluationError(f"cannot read property {key!r} of null")
        if isinstance(target, dict) and isinstance(key, str):
            if key in target:
                return target[key]
        elif isinstance(target, list) and isinstance(key, int) and not isinstance(key, bool):
            if 0 <= key < len(target):
                return target[key]
        else:
            # Azure: "Property selection is not supported on values of type 'String'", also with ?
            raise EvaluationError(f"cannot select {key!r} on a {type(target).__name__}")
        if safe:
            return None
        raise EvaluationError(f"property {key!r} does not exist")

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

    def fn_iterationindexes(self, loop: str) -> int:
        if loop not in self.iterations:
            raise EvaluationError(f"iterationIndexes({loop!r}) outside that Until loop")
        return self.iterations[loop]

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

    def fn_guid(self, fmt: str = "D") -> str:
        return str(PURE["guid"](fmt))

    def fn_listcallbackurl(self) -> str:
        return "https://offline.invalid/callback"

    # -- running ----------------------------------------------------------------------------------
    def run(self, trigger_body: Any) -> RunResult:
        self.trigger = {"body": trigger_body, "headers": {}}
        try:
            status, _ = self.container(self.definition.get("actions", {}))
            error = None
        except Terminated as stop:
            status, error = stop.status, stop.error
        return RunResult(status, self.results, error, self.requests)

    def container(self, actions: Mapping[str, Any]) -> Tuple[str, bool]:
        """Run actions in runAfter order: (the branches' status, whether any action failed)."""
        pending = dict(actions)
        done: Dict[str, str] = {}
        while pending:
            ready = [n for n, a in pending.items() if all(d in done for d in a.get("runAfter", {}))]
            if not ready:
                raise WorkflowInvalid(f"runAfter cannot be satisfied for {sorted(pending)}")
            for name in ready:
                action = pending.pop(name)
                wanted = action.get("runAfter", {})
                if all(done[d] in states for d, states in wanted.items()):
                    done[name] = self.execute(name, action)
                else:
                    self.results[name] = ActionResult(name, "Skipped")
                    self.skip_children(action)
                    done[name] = "Skipped"
        return _branches_status(actions, done), any(s in FAILING for s in done.values())

    def skip_children(self, action: Mapping[str, Any]) -> None:
        for child in _children(action):
            for name, inner in child.items():
                self.results[name] = ActionResult(name, "Skipped")
                self.skip_children(inner)

    def execute(self, name: str, action: Mapping[str, Any]) -> str:
        kind = action["type"]
        handler = getattr(self, f"do_{kind.lower()}", None)
        if handler is None:
            raise WorkflowInvalid(f"action type {kind} is outside the evaluated subset")
        result = ActionResult(name, "Succeeded")
        self.results[name] = result
        try:
            handler(action, result)
        except WorkflowInvalid:
            raise
        except EvaluationError as exc:
            result.status, result.error = "Failed", str(exc)
        return result.status

    def _nested(self, actions: Mapping[str, Any], result: ActionResult) -> bool:
        """Run a container's actions; the container fails when any action inside failed."""
        _, failed = self.container(actions)
        if failed:
            result.status = "Failed"
            result.error = result.error or "an action inside failed"
        return failed

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
        current = self.fn_variables(inputs["name"])
        value = self.value(inputs["value"])
        if current is not None and value is not None and type(value) is not type(current):
            raise EvaluationError(f"variable {inputs['name']} cannot be set to {value!r}")
        self.variables[inputs["name"]] = value

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
        """An If/Query/Until condition: a boolean expression string or the designer's object form."""
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
        self._nested(then, result)

    def do_scope(self, action: Mapping[str, Any], result: ActionResult) -> None:
        self._nested(action.get("actions", {}), result)

    def do_foreach(self, action: Mapping[str, Any], result: ActionResult) -> None:
        items = self.value(action["foreach"])
        if not isinstance(items, list):
            raise EvaluationError("foreach needs an array")
        failed = False
        for item in items:
            self.loops[result.name] = item
            self.item_stack.append(item)
            try:
                _, inner = self.container(action.get("actions", {}))
                failed = failed or inner
            finally:
                self.item_stack.pop()
                self.loops.pop(result.name, None)
        result.outputs = {"iterations": len(items)}
        if failed:
            result.status, result.error = "Failed", "an action inside failed"

    def do_until(self, action: Mapping[str, Any], result: ActionResult) -> None:
        """Do-until: the actions run first, then the expression; at most limit.count iterations."""
        limit = int((action.get("limit") or {}).get("count", UNTIL_DEFAULT_COUNT))
        count = 0
        try:
            while True:
                self.iterations[result.name] = count
                count += 1
                if self._nested(action.get("actions", {}), result):
                    break
                if self.condition(action["expression"]) or count >= limit:
                    break
        finally:
            self.iterations.pop(result.name, None)
        result.outputs = {"iterations": count}

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


def _branches_status(actions: Mapping[str, Any], done: Mapping[str, str]) -> str:
    """Failed when a branch ends in failure; a branch ending in a skipped action takes the status
    of that action's predecessors (so a failure that nothing handled still fails the run)."""
    after = {d for a in actions.values() for d in a.get("runAfter", {})}

    def effective(name: str, seen: Tuple[str, ...] = ()) -> str:
        status = done[name]
        if status != "Skipped":
            return status
        preds = [p for p in actions[name].get("runAfter", {}) if p not in seen]
        if any(effective(p, (*seen, name)) in FAILING for p in preds):
            return "Failed"
        return "Skipped"

    ends = [effective(n) for n in actions if n not in after]
    return "Failed" if any(s in FAILING for s in ends) else "Succeeded"
