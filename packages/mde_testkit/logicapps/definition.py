"""The shape of a workflow definition (nested action containers) and the records of an offline run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

STATUSES = ("Succeeded", "Failed", "Skipped", "TimedOut")


@dataclass
class Response:
    status: int
    body: Any = None
    headers: Dict[str, str] = field(default_factory=dict)


HttpHandler = Callable[[Dict[str, Any]], Response]
ConnectorHandler = Callable[[str, Dict[str, Any]], Response]


@dataclass
class ActionResult:
    name: str
    status: str
    inputs: Any = None
    outputs: Any = None
    error: Optional[str] = None


@dataclass
class RunResult:
    status: str
    actions: Dict[str, ActionResult]
    error: Any = None
    http_requests: List[Dict[str, Any]] = field(default_factory=list)


def _children(action: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    out = [action.get("actions") or {}]
    if "else" in action:
        out.append(action["else"].get("actions") or {})
    for case in (action.get("cases") or {}).values():
        out.append(case.get("actions") or {})
    if "default" in action:
        out.append(action["default"].get("actions") or {})
    return out


def walk_actions(
    actions: Mapping[str, Any], parents: Tuple[str, ...] = ()
) -> List[Tuple[str, Mapping[str, Any], Tuple[str, ...], Mapping[str, Any]]]:
    """(name, action, enclosing action names, sibling container) for every action, depth first."""
    out = []
    for name, action in actions.items():
        out.append((name, action, parents, actions))
        for child in _children(action):
            out.extend(walk_actions(child, (*parents, name)))
    return out
