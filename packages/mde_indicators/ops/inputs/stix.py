"""Read STIX 2.x indicators (bundles, lists or single objects) into MDE indicator items with the stix2 library.

Patterns map through the schema's stixPaths; an OR of comparisons (or IN) gives one item per value, and
whatever MDE cannot express (AND, MATCHES, other objects …) becomes an item rejected with its reason.
"""

from __future__ import annotations

import json
from typing import IO, Any, Dict, Iterator, List, Mapping, Optional, Tuple, Union

import stix2
import stix2.patterns as sp
from stix2.exceptions import STIXError
from stix2.pattern_visitor import create_pattern_object

from ...errors import ConfigurationError
from ...expiry import format_utc, utcnow
from ...model import Model
from ...problems import REJECTED, SOURCE_TIME

Found = Union[
    Tuple[str, str], Dict[str, str]
]  # (type, value) or a rejection {"code", "message", …}
_SPEC_DEFAULT = "2.1"


def path_key(path: str) -> str:
    """Compare object paths loosely: file:hashes.'SHA-256' and file:hashes.sha-256 are the same."""
    return path.replace("'", "").replace('"', "").strip().lower()


def path_types(model: Model) -> Dict[str, str]:
    """STIX object path -> MDE indicator type, from the schema's stixPaths."""
    return {path_key(p): name for name, t in model.indicator_types.items() for p in t.stix_paths}


def _reject(code: str, message: str, text: str, status: Optional[str] = None) -> Dict[str, str]:
    found = {"code": code, "message": message, "text": text}
    if status:
        found["status"] = status
    return found


class _Flattener:
    """Turn a parsed pattern into the (type, value) pairs it ORs together, or rejections."""

    def __init__(self, model: Model) -> None:
        self.types = path_types(model)
        self.supported = ", ".join(p for t in model.indicator_types.values() for p in t.stix_paths)

    def observation(self, node: Any) -> List[Found]:
        if isinstance(node, sp.ParentheticalExpression):
            return self.observation(node.expression)
        if isinstance(node, sp.OrObservationExpression):
            return [f for op in node.operands for f in self.observation(op)]
        if isinstance(node, sp.ObservationExpression):
            return self.comparison(node.operand)
        what = {
            sp.AndObservationExpression: "AND between observations",
            sp.FollowedByObservationExpression: "FOLLOWEDBY",
            sp.QualifiedObservationExpression: "a WITHIN, REPEATS or START/STOP qualifier",
        }.get(type(node), type(node).__name__)
        return [
            _reject(
                "stix_unsupported",
                f"The pattern uses {what}; MDE matches single values.",
                str(node),
            )
        ]

    def comparison(self, node: Any) -> List[Found]:
        if isinstance(node, sp.ParentheticalExpression):
            return self.comparison(node.expression)
        if isinstance(node, sp.OrBooleanExpression):
            return [f for op in node.operands for f in self.comparison(op)]
        if isinstance(node, sp.AndBooleanExpression):
            message = "AND of comparisons describes one object by several properties; MDE matches single values."
            return [_reject("stix_unsupported", message, str(node))]
        if getattr(node, "negated", False) or not isinstance(
            node, (sp.EqualityComparisonExpression, sp.InComparisonExpression)
        ):
            operator = ("NOT " if getattr(node, "negated", False) else "") + str(
                getattr(node, "operator", "?")
            )
            message = (
                f"The operator {operator} cannot be expressed as an MDE indicator; only = and IN."
            )
            return [_reject("stix_unsupported", message, str(node))]
        path = str(node.lhs)
        itype = self.types.get(path_key(path))
        if itype is None:
            message = f"{path} is not an object path MDE has an indicator type for (supported: {self.supported})."
            return [_reject("stix_unsupported_path", message, str(node))]
        constants = node.rhs.value if isinstance(node.rhs, sp.ListConstant) else [node.rhs]
        return [(itype, str(c.value)) for c in constants]


def indicator_items(
    obj: Mapping[str, Any], model: Model, spec_version: str
) -> Iterator[Dict[str, Any]]:
    """The MDE items one STIX indicator object stands for (rejections included)."""
    pattern = str(obj.get("pattern") or "")
    label = str(obj.get("name") or obj.get("id") or "indicator")
    try:
        indicator = stix2.parse(dict(obj), allow_custom=True, version=spec_version)
    except (STIXError, ValueError) as exc:
        yield _rejected_item(
            _reject("stix_invalid", f"Not a valid STIX indicator ({label}): {exc}", pattern)
        )
        return
    if indicator.get("revoked"):
        message = f"The producer revoked this indicator ({label}); it is not imported."
        yield _rejected_item(_reject("stix_revoked", message, pattern, status="skipped"))
        return
    until = indicator.get("valid_until")
    if until is not None and until <= utcnow():
        # Feeds keep expired indicators for history: not an error, just nothing to enforce.
        message = f"The indicator expired at its source on {format_utc(until)} ({label})."
        yield _rejected_item(_reject("stix_expired", message, pattern, status="skipped"))
        return
    kind = indicator.get("pattern_type", "stix")
    if kind != "stix":
        message = f"{kind} patterns are not supported ({label}); only STIX patterns."
        yield _rejected_item(_reject("stix_pattern_type", message, pattern))
        return
    common: Dict[str, Any] = {
        SOURCE_TIME: format_utc(indicator.get("modified") or indicator.get("created"))
    }
    for stix_key, field in (
        ("name", "title"),
        ("description", "description"),
        ("id", "externalId"),
    ):
        if indicator.get(stix_key):
            common[field] = str(indicator[stix_key])
    if indicator.get("valid_until"):
        common["expirationTime"] = format_utc(indicator["valid_until"])
    tree = create_pattern_object(pattern, version=spec_version)
    for found in _Flattener(model).observation(tree):
        if isinstance(found, dict):
            found["message"] += f" ({label})"
            yield {**_rejected_item(found), SOURCE_TIME: common[SOURCE_TIME]}
        else:
            yield {**common, "indicatorType": found[0], "indicatorValue": found[1]}


def _rejected_item(found: Dict[str, str]) -> Dict[str, Any]:
    why = {k: v for k, v in found.items() if k != "text"}
    return {"indicatorValue": found["text"], REJECTED: why}


def read_stix(stream: IO[str], model: Model) -> Iterator[Dict[str, Any]]:
    """Every indicator of a STIX bundle, list of objects or single object; other objects are ignored."""
    try:
        data = json.load(stream)
    except ValueError as exc:
        raise ConfigurationError(f"Not valid JSON: {exc}") from None
    spec = _SPEC_DEFAULT
    if isinstance(data, dict) and data.get("type") == "bundle":
        spec = str(data.get("spec_version") or spec)
        data = data.get("objects") or []
    objects = data if isinstance(data, list) else [data]
    for obj in objects:
        if isinstance(obj, dict) and obj.get("type") == "indicator":
            yield from indicator_items(obj, model, str(obj.get("spec_version") or spec))
