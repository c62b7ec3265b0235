"""The Workflow Definition Language functions the offline evaluator implements, with WDL's strictness.

Modelled on Microsoft's function reference (MicrosoftDocs/azure-docs
articles/logic-apps/workflow-definition-language-functions-reference.md, 2021 revision): arities, the
documented examples (tests/unit/sentinel/test_wdl_functions.py), case-insensitive indexOf/startsWith/
endsWith, substring() failing past the end, equals(true, 1). Arguments are evaluated eagerly, left to
right (as Logic Apps does, also for if()), and a value of the wrong type raises instead of being guessed.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import quote

from mde_indicators.expiry import parse_iso


class EvaluationError(ValueError):
    """An expression that fails at run time, as the Logic Apps runtime would fail the action."""


# name: (fewest, most) arguments; None = any number. Every WDL function; Azure refuses to save a
# definition that calls anything else, or calls these with another number of arguments.
SIGNATURES: Dict[str, Tuple[int, Optional[int]]] = {
    "action": (0, 0), "actionBody": (1, 1), "actionOutputs": (1, 1), "actions": (1, 1),
    "add": (2, 2), "addDays": (2, 3), "addHours": (2, 3), "addMinutes": (2, 3),
    "addProperty": (3, 3), "addSeconds": (2, 3), "addToTime": (3, 4), "and": (2, None),
    "array": (1, 1), "base64": (1, 1), "base64ToBinary": (1, 1), "base64ToString": (1, 1),
    "binary": (1, 1), "body": (1, 1), "bool": (1, 1), "chunk": (2, 2), "coalesce": (1, None),
    "concat": (2, None), "contains": (2, 2), "convertFromUtc": (2, 3), "convertTimeZone": (3, 4),
    "convertToUtc": (2, 3), "createArray": (1, None), "dataUri": (1, 1), "dataUriToBinary": (1, 1),
    "dataUriToString": (1, 1), "dateDifference": (2, 2), "dayOfMonth": (1, 1), "dayOfWeek": (1, 1),
    "dayOfYear": (1, 1), "decimal": (1, 1), "decodeBase64": (1, 1), "decodeDataUri": (1, 1),
    "decodeUriComponent": (1, 1), "div": (2, 2), "encodeUriComponent": (1, 1), "empty": (1, 1),
    "endsWith": (2, 2), "equals": (2, 2), "first": (1, 1), "float": (1, 1),
    "formatDateTime": (1, 3), "formatNumber": (2, 3), "formDataMultiValues": (2, 2),
    "formDataValue": (2, 2), "getFutureTime": (2, 3), "getPastTime": (2, 3), "greater": (2, 2),
    "greaterOrEquals": (2, 2), "guid": (0, 1), "if": (3, 3), "indexOf": (2, 2), "int": (1, 1),
    "intersection": (2, None), "isFloat": (1, 2), "isInt": (1, 1), "item": (0, 0), "items": (1, 1),
    "iterationIndexes": (1, 1), "join": (2, 2), "json": (1, 1), "last": (1, 1),
    "lastIndexOf": (2, 2), "length": (1, 1), "less": (2, 2), "lessOrEquals": (2, 2),
    "listCallbackUrl": (0, 0), "max": (1, None), "min": (1, None), "mod": (2, 2), "mul": (2, 2),
    "multipartBody": (2, 2), "not": (1, 1), "nthIndexOf": (3, 3), "or": (2, None),
    "outputs": (1, 1), "parameters": (1, 1), "parseDateTime": (1, 3), "rand": (2, 2),
    "range": (2, 2), "removeProperty": (2, 2), "replace": (3, 3), "result": (1, 1),
    "reverse": (1, 1), "setProperty": (3, 3), "skip": (2, 2), "slice": (2, 3), "sort": (1, 2),
    "split": (2, 2), "startOfDay": (1, 2), "startOfHour": (1, 2), "startOfMonth": (1, 2),
    "startsWith": (2, 2), "string": (1, 1), "sub": (2, 2), "substring": (2, 3),
    "subtractFromTime": (3, 4), "take": (2, 2), "ticks": (1, 1), "toLower": (1, 1),
    "toUpper": (1, 1), "trigger": (0, 0), "triggerBody": (0, 0),
    "triggerFormDataMultiValues": (1, 1), "triggerFormDataValue": (1, 1),
    "triggerMultipartBody": (1, 1), "triggerOutputs": (0, 0), "trim": (1, 1),
    "union": (2, None), "uriComponent": (1, 1), "uriComponentToBinary": (1, 1),
    "uriComponentToString": (1, 1), "uriHost": (1, 1), "uriPath": (1, 1),
    "uriPathAndQuery": (1, 1), "uriPort": (1, 1), "uriQuery": (1, 1), "uriScheme": (1, 1),
    "utcNow": (0, 1), "variables": (1, 1), "workflow": (0, 0), "xml": (1, 1), "xpath": (2, 2),
}  # fmt: skip
# createArray(x) with one item is documented as "at least two" but is common and works in Azure.
KNOWN = frozenset(n.lower() for n in SIGNATURES)
_ARITY = {n.lower(): (n, bounds) for n, bounds in SIGNATURES.items()}
# Added to the language after the 2021 reference; not yet in every cloud, so the pack avoids them.
RECENT = frozenset(
    "chunk dateDifference decimal isFloat isInt nthIndexOf parseDateTime reverse slice sort".lower().split()
)


def arity_problem(name: str, count: int) -> Optional[str]:
    """Why a call with `count` arguments would be refused, or None."""
    entry = _ARITY.get(name.lower())
    if entry is None:
        return f"unknown function {name}()"
    spelled, (low, high) = entry
    if count < low or (high is not None and count > high):
        expected = str(low) if low == high else f"{low} to {high if high is not None else 'any'}"
        return f"{spelled}() takes {expected} argument(s), got {count}"
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def _need(value: Any, kinds: str, fn: str) -> Any:
    if _kind(value) not in kinds.split("|"):
        raise EvaluationError(f"{fn}() expects {kinds}, got {_kind(value)} {value!r}")
    return value


def _int(value: Any, fn: str) -> int:
    if _kind(value) != "number" or int(value) != value:
        raise EvaluationError(f"{fn}() expects an integer, got {value!r}")
    return int(value)


def to_string(value: Any) -> str:
    """string(): .NET spellings for booleans, compact JSON for objects and arrays."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    return json.dumps(value, separators=(",", ":"))


def _equals(a: Any, b: Any) -> bool:
    ka, kb = _kind(a), _kind(b)
    if {ka, kb} <= {"bool", "number"}:
        return bool(a == b)  # the reference: equals(true, 1) is true
    if ka != kb:
        return False
    if ka == "list":
        return len(a) == len(b) and all(_equals(x, y) for x, y in zip(a, b))
    if ka == "dict":
        return a.keys() == b.keys() and all(_equals(a[k], b[k]) for k in a)
    return bool(a == b)


def _concat(*args: Any) -> str:
    for arg in args:
        _need(arg, "str|number|bool|null", "concat")
    return "".join(to_string(a) for a in args)


def _collections(fn: str, args: Tuple[Any, ...]) -> str:
    kinds = {_kind(a) for a in args}
    if kinds == {"list"} or kinds == {"dict"}:
        return kinds.pop()
    raise EvaluationError(f"{fn}() takes arrays or objects, not both or others: {sorted(kinds)}")


def _key(item: Any) -> Any:
    """A hashable stand-in with _equals' equality (JSON text for objects and arrays)."""
    if isinstance(item, (dict, list)):
        return ("json", json.dumps(item, sort_keys=True))
    if isinstance(item, (bool, int, float)):
        return ("number", float(item))  # equals(true, 1)
    return (_kind(item), item)


def _union(*args: Any) -> Any:
    if _collections("union", args) == "dict":
        merged: Dict[str, Any] = {}
        for a in args:
            merged.update(a)
        return merged
    out: List[Any] = []
    seen: set = set()
    for a in args:
        for item in a:
            key = _key(item)
            if key not in seen:
                seen.add(key)
                out.append(item)
    return out


def _intersection(*args: Any) -> Any:
    if _collections("intersection", args) == "dict":
        keys = [k for k in args[0] if all(k in a and _equals(a[k], args[0][k]) for a in args)]
        return {k: args[-1][k] for k in keys}
    others = [{_key(x) for x in a} for a in args[1:]]
    out: List[Any] = []
    seen: set = set()
    for item in args[0]:
        key = _key(item)
        if key not in seen and all(key in other for other in others):
            seen.add(key)
            out.append(item)
    return out


def _chunk(collection: Any, size: Any) -> List[Any]:
    _need(collection, "list|str", "chunk")
    if _int(size, "chunk") < 1:
        raise EvaluationError("chunk() needs a length of at least 1")
    return [collection[i : i + size] for i in range(0, len(collection), size)]


def _substring(text: Any, start: Any, length: Any = None) -> str:
    text = _need(text, "str", "substring")
    begin = _int(start, "substring")
    count = len(text) - begin if length is None else _int(length, "substring")
    if begin < 0 or count < 0 or begin + count > len(text):
        raise EvaluationError(
            f"substring(): start {begin} and length {count} run past the end of a "
            f"{len(text)}-character string"
        )
    return text[begin : begin + count]


def _index_of(text: Any, search: Any) -> int:
    return _need(text, "str", "indexOf").lower().find(_need(search, "str", "indexOf").lower())


def _last_index_of(text: Any, search: Any) -> int:
    text, search = _need(text, "str", "lastIndexOf"), _need(search, "str", "lastIndexOf")
    if not search:
        return len(text) - 1 if text else 0
    return text.lower().rfind(search.lower())


def _replace(text: Any, old: Any, new: Any) -> str:
    if not _need(old, "str", "replace"):
        raise EvaluationError("replace(): the text to replace cannot be empty")
    return _need(text, "str", "replace").replace(old, _need(new, "str", "replace"))


def _split(text: Any, delimiter: Any) -> List[str]:
    if not _need(delimiter, "str", "split"):
        raise EvaluationError("split(): the delimiter cannot be empty")
    return _need(text, "str", "split").split(delimiter)


def _join(items: Any, delimiter: Any) -> str:
    out = []
    for item in _need(items, "list", "join"):
        out.append(to_string(_need(item, "str|number|bool|null", "join")))
    return _need(delimiter, "str", "join").join(out)


def _contains(collection: Any, value: Any) -> bool:
    kind = _kind(_need(collection, "str|list|dict", "contains"))
    if kind == "list":
        return any(_equals(value, x) for x in collection)
    return _need(value, "str", "contains") in collection


def _empty(value: Any) -> bool:
    return value is None or len(_need(value, "str|list|dict", "empty")) == 0


def _edge(collection: Any, fn: str, index: int) -> Any:
    return _need(collection, "list|str", fn)[index] if collection else None


def _take(collection: Any, count: Any) -> Any:
    if _int(count, "take") < 0:
        raise EvaluationError("take() needs a count of at least 0")
    return _need(collection, "list|str", "take")[:count]


def _skip(collection: Any, count: Any) -> Any:
    if _int(count, "skip") < 0:
        raise EvaluationError("skip() needs a count of at least 0")
    return _need(collection, "list", "skip")[count:]


def _range(start: Any, count: Any) -> List[int]:
    first, n = _int(start, "range"), _int(count, "range")
    if not 0 < n <= 100_000:
        raise EvaluationError(f"range(): count {n} must be a positive integer up to 100,000")
    return list(range(first, first + n))


def _int_of(value: Any) -> int:
    if _kind(value) == "number":
        return _int(value, "int")
    text = _need(value, "str", "int").strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise EvaluationError(f"int(): {value!r} is not an integer")
    return int(text)


def _float_of(value: Any) -> float:
    try:
        return float(_need(value, "str|number", "float"))
    except ValueError:
        raise EvaluationError(f"float(): {value!r} is not a number") from None


def _bool_of(value: Any) -> bool:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return bool(_need(value, "bool|number", "bool"))


def _arith(fn: str, op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def run(a: Any, b: Any) -> Any:
        return op(_need(a, "number", fn), _need(b, "number", fn))

    return run


def _div(a: Any, b: Any) -> Any:
    _need(a, "number", "div")
    if _need(b, "number", "div") == 0:
        raise EvaluationError("div(): the divisor cannot be 0")
    if isinstance(a, float) or isinstance(b, float):
        return a / b
    quotient = abs(a) // abs(b)  # .NET integer division truncates toward zero
    return quotient if (a < 0) == (b < 0) else -quotient


def _mod(a: Any, b: Any) -> Any:
    _need(a, "number", "mod")
    if _need(b, "number", "mod") == 0:
        raise EvaluationError("mod(): the divisor cannot be 0")
    remainder = abs(a) % abs(b)
    return -remainder if a < 0 else remainder  # .NET %: the sign of the dividend


def _number_args(fn: str, args: tuple) -> List[Any]:
    values = list(args[0]) if len(args) == 1 and isinstance(args[0], list) else list(args)
    if not values:
        raise EvaluationError(f"{fn}() needs at least one number")
    return [_need(v, "number", fn) for v in values]


def _compare(fn: str, check: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def run(a: Any, b: Any) -> bool:
        if _kind(a) != _kind(b) or _kind(a) not in ("number", "str"):
            raise EvaluationError(f"{fn}() compares two numbers or two strings")
        return check(a, b)

    return run


def _set_property(obj: Any, name: Any, value: Any) -> Dict[str, Any]:
    return dict(_need(obj, "dict", "setProperty"), **{_need(name, "str", "setProperty"): value})


def _add_property(obj: Any, name: Any, value: Any) -> Dict[str, Any]:
    if _need(name, "str", "addProperty") in _need(obj, "dict", "addProperty"):
        raise EvaluationError(f"addProperty(): the property {name!r} already exists")
    return dict(obj, **{name: value})


def _remove_property(obj: Any, name: Any) -> Dict[str, Any]:
    _need(name, "str", "removeProperty")
    return {k: v for k, v in _need(obj, "dict", "removeProperty").items() if k != name}


def _json(value: Any) -> Any:
    if value is None:
        return {}  # the reference: "If the string is null, the function returns an empty object."
    try:
        return json.loads(_need(value, "str", "json"))
    except json.JSONDecodeError as exc:
        raise EvaluationError(f"json(): {exc}") from None


def _bool_args(fn: str) -> Callable[..., bool]:
    def run(*args: Any) -> bool:
        checked = [_need(a, "bool", fn) for a in args]
        return all(checked) if fn == "and" else any(checked)

    return run


_DOTNET = re.compile(r"yyyy|MM|dd|HH|mm|ss|fffffff|fff|[TZ:\-. ]")


def format_time(moment: datetime, fmt: str = "o") -> str:
    """The .NET formats the templates use: 'o' and custom yyyy-MM-ddTHH:mm:ss(.fff)Z strings."""
    moment = moment.astimezone(timezone.utc)
    if fmt == "o":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
    pieces = {
        "yyyy": "%Y",
        "MM": "%m",
        "dd": "%d",
        "HH": "%H",
        "mm": "%M",
        "ss": "%S",
        "fffffff": "%f0",
        "fff": "",
    }
    out, pos = [], 0
    for match in _DOTNET.finditer(fmt):
        if match.start() != pos:
            raise EvaluationError(f"format {fmt!r}: {fmt[pos : match.start()]!r} is not supported")
        piece = match.group()
        if piece == "fff":
            out.append(f"{moment.microsecond // 1000:03d}")
        else:
            out.append(moment.strftime(pieces[piece]) if piece in pieces else piece)
        pos = match.end()
    if pos != len(fmt):
        raise EvaluationError(f"format {fmt!r}: {fmt[pos:]!r} is not supported")
    return "".join(out)


def _timestamp(value: Any, fn: str) -> datetime:
    text = _need(value, "str", fn)
    try:
        return parse_iso(text)
    except ValueError:
        pass
    try:  # the reference's own example: formatDateTime('03/15/2018 12:00:00', ...)
        return datetime.strptime(text, "%m/%d/%Y %H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        raise EvaluationError(f"{fn}(): {value!r} is not a timestamp") from None


def _adder(fn: str, unit: str) -> Callable[..., str]:
    def run(ts: Any, amount: Any, fmt: Any = "o") -> str:
        delta = timedelta(**{unit: _int(amount, fn)})
        return format_time(_timestamp(ts, fn) + delta, _need(fmt, "str", fn))

    return run


def _format_date_time(ts: Any, fmt: Any = "o", locale: Any = None) -> str:
    return format_time(_timestamp(ts, "formatDateTime"), _need(fmt, "str", "formatDateTime"))


def _encode_uri_component(value: Any) -> str:
    # .NET Uri.EscapeDataString (RFC 3986): only unreserved characters stay as they are
    return quote(_need(value, "str", "encodeUriComponent"), "-_.~")


def _guid(fmt: Any = "D") -> str:
    value = uuid.uuid4()
    forms = {"D": str(value), "N": value.hex, "B": f"{{{value}}}", "P": f"({value})"}
    if _need(fmt, "str", "guid").upper() not in forms:
        raise EvaluationError(f"guid(): unknown format {fmt!r}")
    return forms[fmt.upper()]


PURE: Dict[str, Callable[..., Any]] = {
    "equals": _equals,
    "not": lambda a: not _need(a, "bool", "not"),
    "and": _bool_args("and"),
    "or": _bool_args("or"),
    "if": lambda c, a, b: a if _need(c, "bool", "if") else b,
    "coalesce": lambda *a: next((x for x in a if x is not None), None),
    "concat": _concat,
    "string": to_string,
    "json": _json,
    "int": _int_of,
    "float": _float_of,
    "bool": _bool_of,
    "array": lambda a: [a],
    "createarray": lambda *a: list(a),
    "length": lambda a: len(_need(a, "str|list", "length")),
    "empty": _empty,
    "contains": _contains,
    "tolower": lambda a: _need(a, "str", "toLower").lower(),
    "toupper": lambda a: _need(a, "str", "toUpper").upper(),
    "trim": lambda a: _need(a, "str", "trim").strip(),
    "replace": _replace,
    "split": _split,
    "join": _join,
    "indexof": _index_of,
    "lastindexof": _last_index_of,
    "startswith": lambda t, s: (
        _need(t, "str", "startsWith").lower().startswith(_need(s, "str", "startsWith").lower())
    ),
    "endswith": lambda t, s: (
        _need(t, "str", "endsWith").lower().endswith(_need(s, "str", "endsWith").lower())
    ),
    "substring": _substring,
    "union": _union,
    "intersection": _intersection,
    "chunk": _chunk,
    "first": lambda c: _edge(c, "first", 0),
    "last": lambda c: _edge(c, "last", -1),
    "take": _take,
    "skip": _skip,
    "range": _range,
    "max": lambda *a: max(_number_args("max", a)),
    "min": lambda *a: min(_number_args("min", a)),
    "add": _arith("add", lambda a, b: a + b),
    "sub": _arith("sub", lambda a, b: a - b),
    "mul": _arith("mul", lambda a, b: a * b),
    "div": _div,
    "mod": _mod,
    "greater": _compare("greater", lambda a, b: a > b),
    "greaterorequals": _compare("greaterOrEquals", lambda a, b: a >= b),
    "less": _compare("less", lambda a, b: a < b),
    "lessorequals": _compare("lessOrEquals", lambda a, b: a <= b),
    "encodeuricomponent": _encode_uri_component,
    "uricomponent": _encode_uri_component,
    "adddays": _adder("addDays", "days"),
    "addhours": _adder("addHours", "hours"),
    "addminutes": _adder("addMinutes", "minutes"),
    "addseconds": _adder("addSeconds", "seconds"),
    "formatdatetime": _format_date_time,
    "setproperty": _set_property,
    "addproperty": _add_property,
    "removeproperty": _remove_property,
    "guid": _guid,
}
