"""The Workflow Definition Language functions the offline evaluator implements, with WDL's strictness.

Arguments are evaluated eagerly (as Logic Apps does for if()), booleans never equal numbers, and a
function given a value of the wrong type raises instead of guessing. KNOWN lists every WDL function.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List
from urllib.parse import quote

from mde_indicators.expiry import parse_iso


class EvaluationError(ValueError):
    """An expression that fails at run time, as the Logic Apps runtime would fail the action."""


# Every function of the Workflow Definition Language (learn.microsoft.com, logic-apps
# workflow-definition-language-functions-reference); the checks reject anything else.
KNOWN = frozenset(
    n.lower()
    for n in """action actionBody actionOutputs actions add addDays addHours addMinutes addProperty
    addSeconds addToTime and array base64 base64ToBinary base64ToString binary body bool chunk coalesce
    concat contains convertFromUtc convertTimeZone convertToUtc createArray dataUri dataUriToBinary
    dataUriToString dateDifference dayOfMonth dayOfWeek dayOfYear decimal decodeBase64 decodeDataUri
    decodeUriComponent div encodeUriComponent empty endsWith equals first float formatDateTime
    formatNumber formDataMultiValues formDataValue getFutureTime getPastTime greater greaterOrEquals
    guid if indexOf int intersection isFloat isInt item items iterationIndexes join json last
    lastIndexOf length less lessOrEquals listCallbackUrl max min mod mul multipartBody not nthIndexOf
    or outputs parameters parseDateTime rand range removeProperty replace result reverse setProperty
    skip slice sort split startOfDay startOfHour startOfMonth startsWith string sub substring
    subtractFromTime take ticks toLower toUpper trigger triggerBody triggerFormDataMultiValues
    triggerFormDataValue triggerMultipartBody triggerOutputs trim union uriComponent
    uriComponentToBinary uriComponentToString uriHost uriPath uriPathAndQuery uriPort uriQuery
    uriScheme utcNow variables workflow xml xpath""".split()
)


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
    if _kind(a) != _kind(b):
        return False
    return bool(a == b)


def _concat(*args: Any) -> str:
    for arg in args:
        _need(arg, "str|number|bool|null", "concat")
    return "".join(to_string(a) for a in args)


def _union(*args: Any) -> Any:
    if all(isinstance(a, dict) for a in args):
        merged: Dict[str, Any] = {}
        for a in args:
            merged.update(a)
        return merged
    out: List[Any] = []
    for a in args:
        for item in _need(a, "list", "union"):
            if not any(_equals(item, seen) for seen in out):
                out.append(item)
    return out


def _chunk(collection: Any, size: Any) -> List[Any]:
    _need(collection, "list|str", "chunk")
    if _kind(size) != "number" or size < 1:
        raise EvaluationError("chunk() needs a length of at least 1")
    return [collection[i : i + size] for i in range(0, len(collection), size)]


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
    try:
        return parse_iso(_need(value, "str", fn))
    except ValueError:
        raise EvaluationError(f"{fn}(): {value!r} is not a timestamp") from None


def _add_days(ts: Any, days: Any, fmt: str = "o") -> str:
    return format_time(
        _timestamp(ts, "addDays") + timedelta(days=_need(days, "number", "addDays")), fmt
    )


def _number_args(fn: str, args: tuple) -> List[Any]:
    values = list(args[0]) if len(args) == 1 and isinstance(args[0], list) else list(args)
    if not values:
        raise EvaluationError(f"{fn}() needs at least one number")
    return [_need(v, "number", fn) for v in values]


def _property(obj: Any, name: Any, value: Any) -> Dict[str, Any]:
    return dict(_need(obj, "dict", "setProperty"), **{_need(name, "str", "setProperty"): value})


def _json(value: Any) -> Any:
    try:
        return json.loads(_need(value, "str", "json"))
    except json.JSONDecodeError as exc:
        raise EvaluationError(f"json(): {exc}") from None


def _bool2(fn: str, check: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def run(a: Any, b: Any) -> bool:
        if _kind(a) != _kind(b) or _kind(a) not in ("number", "str"):
            raise EvaluationError(f"{fn}() compares two numbers or two strings")
        return check(a, b)

    return run


PURE: Dict[str, Callable[..., Any]] = {
    "equals": _equals,
    "not": lambda a: not _need(a, "bool", "not"),
    "and": lambda *a: all(_need(x, "bool", "and") for x in a),
    "or": lambda *a: any(_need(x, "bool", "or") for x in a),
    "if": lambda c, a, b: a if _need(c, "bool", "if") else b,
    "coalesce": lambda *a: next((x for x in a if x is not None), None),
    "concat": _concat,
    "string": to_string,
    "json": _json,
    "int": lambda a: int(_need(a, "str|number", "int")),
    "createarray": lambda *a: list(a),
    "length": lambda a: len(_need(a, "str|list", "length")),
    "empty": lambda a: a is None or (isinstance(a, (str, list, dict)) and len(a) == 0),
    "contains": lambda c, v: (
        v in _need(c, "str|list|dict", "contains")
        if not isinstance(c, list)
        else any(_equals(v, x) for x in c)
    ),
    "tolower": lambda a: _need(a, "str", "toLower").lower(),
    "toupper": lambda a: _need(a, "str", "toUpper").upper(),
    "trim": lambda a: _need(a, "str", "trim").strip(),
    "replace": lambda s, old, new: _need(s, "str", "replace").replace(
        _need(old, "str", "replace"), _need(new, "str", "replace")
    ),
    "split": lambda s, sep: _need(s, "str", "split").split(_need(sep, "str", "split")),
    "join": lambda items, sep: _need(sep, "str", "join").join(
        to_string(x) for x in _need(items, "list", "join")
    ),
    "union": _union,
    "chunk": _chunk,
    "first": lambda c: _need(c, "list|str", "first")[0] if c else None,
    "take": lambda c, n: _need(c, "list|str", "take")[: _need(n, "number", "take")],
    "skip": lambda c, n: _need(c, "list", "skip")[_need(n, "number", "skip") :],
    "substring": lambda s, start, n=None: _need(s, "str", "substring")[
        start : (None if n is None else start + n)
    ],
    "max": lambda *a: max(_number_args("max", a)),
    "min": lambda *a: min(_number_args("min", a)),
    "add": lambda a, b: _need(a, "number", "add") + _need(b, "number", "add"),
    "sub": lambda a, b: _need(a, "number", "sub") - _need(b, "number", "sub"),
    "greater": _bool2("greater", lambda a, b: a > b),
    "less": _bool2("less", lambda a, b: a < b),
    "encodeuricomponent": lambda s: quote(to_string(s), safe="-_.!~*'()"),
    "adddays": _add_days,
    "formatdatetime": lambda ts, fmt="o": format_time(_timestamp(ts, "formatDateTime"), fmt),
    "setproperty": _property,
}
