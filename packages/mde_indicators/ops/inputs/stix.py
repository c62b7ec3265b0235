"""Read STIX 2.x indicators (bundles, lists or single objects) into MDE indicator items.

Each indicator object is checked for what decides its fate (id, spec_version, pattern_type, timestamps,
revoked, expiry at the source); its pattern is parsed once and maps through the schema's stixPaths. An OR
of comparisons (or IN) gives one item per value; whatever MDE cannot express (AND, MATCHES, other objects …)
becomes an item rejected with its reason.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import IO, Any, Dict, Iterator, List, Mapping, Optional, Tuple, Union

from ...errors import ConfigurationError
from ...expiry import format_utc, utcnow
from ...model import Model
from ...problems import REJECTED, SOURCE_TIME
from .stix_pattern import Combined, Comparison, Node, Observation, PatternError, Qualified, parse

Found = Union[
    Tuple[str, str], Dict[str, str]
]  # (type, value) or a rejection {"code", "message", "text"}
SPEC_VERSIONS = ("2.0", "2.1")
_SPEC_DEFAULT = "2.1"
_ID = re.compile(
    r"indicator--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-([0-9a-fA-F])[0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
)
_TIMESTAMP = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z")
_TIMES = ("created", "modified", "valid_from", "valid_until")
_KINDS = {
    "int": "a number",
    "float": "a number",
    "bool": "true or false",
    "hex": "a hex value (h'…')",
    "binary": "a binary value (b'…')",
    "timestamp": "a timestamp (t'…')",
}
_OBSERVATION_OPERATORS = {"AND": "AND between observations", "FOLLOWEDBY": "FOLLOWEDBY"}


class _Invalid(Exception):
    """The object breaks a STIX rule this reader relies on; the message says which."""


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

    def observation(self, node: Node, text: str) -> List[Found]:
        if isinstance(node, Combined) and node.operator == "OR":
            return [f for op in node.operands for f in self.observation(op, text)]
        if isinstance(node, Observation):
            return self.comparison(node.expression, text)
        if isinstance(node, Qualified):
            what = "a WITHIN, REPEATS or START/STOP qualifier"
        else:
            assert isinstance(node, Combined)  # AND or FOLLOWEDBY between observations
            what = _OBSERVATION_OPERATORS[node.operator]
        message = f"The pattern uses {what}; MDE matches single values."
        return [_reject("stix_unsupported", message, _text(node, text))]

    def comparison(self, node: Node, text: str) -> List[Found]:
        if isinstance(node, Combined):
            if node.operator == "OR":
                return [f for op in node.operands for f in self.comparison(op, text)]
            message = "AND of comparisons describes one object by several properties; MDE matches single values."
            return [_reject("stix_unsupported", message, _text(node, text))]
        assert isinstance(node, Comparison)
        found = _text(node, text)
        if node.negated or node.operator not in ("=", "IN"):
            operator = ("NOT " if node.negated else "") + node.operator
            message = (
                f"The operator {operator} cannot be expressed as an MDE indicator; only = and IN."
            )
            return [_reject("stix_unsupported", message, found)]
        itype = self.types.get(path_key(node.path))
        if itype is None:
            message = f"{node.path} is not an object path MDE has an indicator type for (supported: {self.supported})."
            return [_reject("stix_unsupported_path", message, found)]
        if not node.values:
            return [_reject("stix_unsupported", "The IN list is empty: no value to import.", found)]
        odd = sorted({_KINDS[v.kind] for v in node.values if v.kind != "string"})
        if odd:
            message = (
                f"{node.path} is compared with {' and '.join(odd)}; MDE values are quoted strings."
            )
            return [_reject("stix_unsupported", message, found)]
        return [(itype, v.value) for v in node.values]


def _text(node: Node, text: str) -> str:
    start, end = node.span
    return text[start:end]


def _timestamp(obj: Mapping[str, Any], key: str) -> Optional[datetime]:
    value = obj.get(key)
    if value is None:
        return None
    match = _TIMESTAMP.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise _Invalid(f"{key} {value!r} is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]Z)")
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute),
            min(int(second), 59),  # a leap second (60) is a valid STIX time
            int((fraction or "0")[:6].ljust(6, "0")), tzinfo=timezone.utc,
        )  # fmt: skip
    except ValueError as exc:
        raise _Invalid(f"{key} {value!r} is not a date: {exc}") from None


def _checked(obj: Mapping[str, Any], spec: str) -> Dict[str, Any]:
    """The object's times and pattern type, or _Invalid naming the first broken rule."""
    if spec not in SPEC_VERSIONS:
        raise _Invalid(
            f"spec_version {spec!r} is not one this reader knows ({', '.join(SPEC_VERSIONS)})"
        )
    ident = obj.get("id")
    match = _ID.fullmatch(ident) if isinstance(ident, str) else None
    # STIX 2.1 identifiers are RFC 4122 UUIDs (variant bits 10); 2.0 only asked for a UUID.
    if ident is not None and (not match or (spec != "2.0" and match.group(1) not in "89abAB")):
        raise _Invalid(f"its id {ident!r} is not indicator-- and an RFC 4122 UUID")
    pattern = obj.get("pattern")
    if not isinstance(pattern, str) or not pattern.strip():
        raise _Invalid("it has no pattern")
    kind = obj.get("pattern_type", "stix" if spec == "2.0" else None)
    if not isinstance(kind, str):
        raise _Invalid(f"pattern_type is required in STIX {spec} and names the pattern language")
    if not isinstance(obj.get("revoked", False), bool):
        raise _Invalid("revoked must be true or false")
    times = {key: _timestamp(obj, key) for key in _TIMES}
    since, until = times["valid_from"], times["valid_until"]
    if since and until and until <= since:
        raise _Invalid("valid_until must be later than valid_from")
    return {"pattern_type": kind, **times}


def indicator_items(
    obj: Mapping[str, Any], flattener: _Flattener, spec_version: str
) -> Iterator[Dict[str, Any]]:
    """The MDE items one STIX indicator object stands for (rejections included)."""
    pattern = obj.get("pattern")
    shown = "" if pattern is None else str(pattern)
    label = str(obj.get("name") or obj.get("id") or "indicator")
    try:
        checked = _checked(obj, spec_version)
    except _Invalid as exc:
        message = f"Not a valid STIX indicator ({label}): {exc}."
        yield _rejected_item(_reject("stix_invalid", message, shown))
        return
    if obj.get("revoked"):
        message = f"The producer revoked this indicator ({label}); it is not imported."
        yield _rejected_item(_reject("stix_revoked", message, shown, status="skipped"))
        return
    until = checked["valid_until"]
    if until is not None and until <= utcnow():
        # Feeds keep expired indicators for history: not an error, just nothing to enforce.
        message = f"The indicator expired at its source on {format_utc(until)} ({label})."
        yield _rejected_item(_reject("stix_expired", message, shown, status="skipped"))
        return
    kind = checked["pattern_type"]
    if kind != "stix":
        message = f"{kind} patterns are not supported ({label}); only STIX patterns."
        yield _rejected_item(_reject("stix_pattern_type", message, shown))
        return
    try:
        tree = parse(shown)
    except PatternError as exc:
        message = f"Not a valid STIX indicator ({label}): its pattern does not parse: {exc}."
        yield _rejected_item(_reject("stix_invalid", message, shown))
        return
    common: Dict[str, Any] = {}
    changed = checked["modified"] or checked["created"]
    if changed is not None:
        common[SOURCE_TIME] = format_utc(changed)
    for stix_key, field in (
        ("name", "title"),
        ("description", "description"),
        ("id", "externalId"),
    ):
        if obj.get(stix_key):
            common[field] = str(obj[stix_key])
    if until is not None:
        common["expirationTime"] = format_utc(until)
    for found in flattener.observation(tree, shown):
        if isinstance(found, dict):
            found["message"] += f" ({label})"
            yield {**_rejected_item(found), **{k: v for k, v in common.items() if k == SOURCE_TIME}}
        else:
            yield {**common, "indicatorType": found[0], "indicatorValue": found[1]}


def _rejected_item(found: Dict[str, str]) -> Dict[str, Any]:
    why = {k: v for k, v in found.items() if k != "text"}
    return {"indicatorValue": found["text"], REJECTED: why}


def read_stix(stream: IO[str], model: Model) -> Iterator[Dict[str, Any]]:
    """Every indicator of a STIX bundle, list of objects or single object; other objects are ignored."""
    try:
        data = json.load(stream)
    except RecursionError:
        raise ConfigurationError("The file is nested too deeply to hold indicators.") from None
    except ValueError as exc:
        raise ConfigurationError(f"Not valid JSON: {exc}") from None
    spec = _SPEC_DEFAULT
    if isinstance(data, dict) and data.get("type") == "bundle":
        spec = str(data.get("spec_version") or spec)
        data = data.get("objects") or []
    objects = data if isinstance(data, list) else [data]
    flattener = _Flattener(model)
    for obj in objects:
        if isinstance(obj, dict) and obj.get("type") == "indicator":
            yield from indicator_items(obj, flattener, str(obj.get("spec_version") or spec))
