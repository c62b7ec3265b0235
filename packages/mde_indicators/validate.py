"""Validate and normalise one indicator into an MDE request body, collecting every problem.

Field kinds, enums, required fields and the action/type rules come from the schema; an item with any
problem has no body and is never sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Dict, List, Mapping, Optional

from .expiry import parse_expiration
from .model import Field, Model, load_model
from .problems import Problem
from .values import check_url, detect_type, normalise_value

AUTO = "auto"
_TRUE = {"true", "1", "yes", "y", "on", "t"}
_FALSE = {"false", "0", "no", "n", "off", "f"}
_CONTROL_STRICT = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_CONTROL_TEXT = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


@dataclass
class Checked:
    """Outcome of validating one item: a request body, or the problems that stop it."""

    value: str
    indicator_type: Optional[str]
    body: Optional[Dict[str, Any]] = None
    problems: List[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def reason(self) -> str:
        return "; ".join(p.message for p in self.problems)

    @property
    def reason_code(self) -> str:
        return ",".join(dict.fromkeys(p.code for p in self.problems))


def parse_bool(value: Any) -> Optional[bool]:
    """True/False from JSON booleans and the strings Splunk, CSV and CLIs produce; None if unparsable."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def parse_list(value: Any) -> List[str]:
    """A list from a JSON array or a comma/semicolon/newline separated string, trimmed and de-duplicated."""
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,;\n]", str(value))
    return list(dict.fromkeys(str(i).strip() for i in items if str(i).strip()))


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


_SCALARS = (str, int, float, bool)


def _shape_problem(fld: Optional[Field], value: Any) -> Optional[str]:
    """Why a field's value has the wrong shape (a JSON object, nested lists), or None."""
    if value is None or isinstance(value, _SCALARS):
        return None
    if fld is not None and fld.type == "list" and isinstance(value, (list, tuple)):
        if all(item is None or isinstance(item, _SCALARS) for item in value):
            return None
        return "a list of text values"
    return "text, a number or true/false"


class _Validator:
    def __init__(self, model: Model, raw: Mapping[str, Any], now: Optional[datetime]) -> None:
        self.model = model
        self.now = now
        self.body: Dict[str, Any] = {}
        self.problems: List[Problem] = []
        self.raw = self.shaped(raw)

    def shaped(self, raw: Mapping[str, Any]) -> Dict[str, Any]:
        """raw without values of the wrong shape (each one a problem): nothing below ever turns a
        nested JSON structure into text."""
        kept: Dict[str, Any] = {}
        for key, value in raw.items():
            fld = self.model.fields.get(key)
            expected = _shape_problem(fld, value)
            if expected is None:
                kept[key] = value
            else:
                kind = "an object" if isinstance(value, Mapping) else "a list"
                self.problem(str(key), "not_scalar", f"'{key}' must be {expected}, not {kind}.")
        return kept

    def problem(self, fld: str, code: str, message: str) -> None:
        self.problems.append(Problem(fld, code, message))

    def run(self) -> Checked:
        self.check_unknown_fields()
        too_long = self.check_value_length()
        itype = None if too_long else self.check_type()
        action = self.check_enum_field("action")
        value = None if too_long else self.check_value(itype)
        for fld in self.model.request_fields:
            if fld.name not in ("indicatorValue", "indicatorType", "action"):
                self.check_field(fld)
        self.check_rules(itype, action)
        ok = not self.problems
        shown = value if value is not None else self.shown_value()
        return Checked(shown, itype, dict(self.body) if ok else None, self.problems)

    def raw_value(self) -> str:
        raw = self.raw.get("indicatorValue")
        return "" if raw is None else str(raw)

    def shown_value(self) -> str:
        """The input value as results report it: an over-long one cut at the limit, marked."""
        text = self.raw_value()
        limit = self.model.fields["indicatorValue"].max_length
        return text if not limit or len(text) <= limit else text[:limit] + "…"

    def check_value_length(self) -> bool:
        """An over-long value is refused first, with its length as the reason: nothing else about
        it (its type, its format) is worth reading."""
        limit = self.model.fields["indicatorValue"].max_length
        length = len(self.raw_value().strip())
        if not limit or length <= limit:
            return False
        self.problem(
            "indicatorValue",
            "value_too_long",
            f"The value is {length:,} characters long; at most {limit:,} are accepted.",
        )
        return True

    def check_unknown_fields(self) -> None:
        known = {f.name for f in self.model.request_fields}
        lower = {n.lower(): n for n in known}
        for key in self.raw:
            if key not in known:
                hint = (
                    f"; field names are case-sensitive, did you mean {lower[key.lower()]}?"
                    if key.lower() in lower
                    else ""
                )
                self.problem(key, "unknown_field", f"'{key}' is not an MDE indicator field{hint}")

    def canonical(self, fld: Field, value: Any) -> Optional[str]:
        allowed = self.model.enum_values(fld.enum or "")
        by_lower = {v.lower(): v for v in allowed}
        found = by_lower.get(str(value).strip().lower())
        if found is None:
            self.problem(
                fld.name,
                f"unknown_{fld.option}",
                f"'{value}' is not a valid {fld.label.lower()}; choose one of {', '.join(allowed)}.",
            )
        return found

    def check_type(self) -> Optional[str]:
        raw_type = self.raw.get("indicatorType")
        if _is_blank(raw_type) or str(raw_type).strip().lower() == AUTO:
            detected = detect_type(self.model, str(self.raw.get("indicatorValue") or ""))
            if detected is None and not _is_blank(self.raw.get("indicatorValue")):
                self.problem(
                    "indicatorType",
                    "type_undetected",
                    "Cannot tell the indicator type of this value; set the type explicitly.",
                )
            elif detected is None:
                self.problem("indicatorType", "missing_field", "The indicator type is missing.")
            if detected:
                self.body["indicatorType"] = detected
            return detected
        return self.check_enum_field("indicatorType")

    def check_enum_field(self, name: str) -> Optional[str]:
        fld = self.model.fields[name]
        value = self.raw.get(name)
        if _is_blank(value):
            if fld.required:
                self.problem(name, "missing_field", f"The {fld.label.lower()} is missing.")
            return None
        found = self.canonical(fld, value)
        if found:
            self.body[name] = found
        return found

    def check_value(self, itype: Optional[str]) -> Optional[str]:
        fld = self.model.fields["indicatorValue"]
        raw = self.raw.get("indicatorValue")
        if _is_blank(raw):
            self.problem(fld.name, "value_empty", "The indicator value is empty.")
            return None
        if not isinstance(raw, str):
            raw = str(raw)
        if itype is None:
            return None
        value, problems = normalise_value(self.model.indicator_types[itype], raw, fld.max_length)
        self.problems.extend(problems)
        if value is not None:
            self.body["indicatorValue"] = value
        return value

    def check_field(self, fld: Field) -> None:
        value = self.raw.get(fld.name)
        if _is_blank(value):
            value = fld.default
        if _is_blank(value):
            if fld.required:
                self.problem(fld.name, "missing_field", f"The {fld.label.lower()} is missing.")
            return
        _KINDS[fld.type](self, fld, value)

    def check_text(self, fld: Field, value: Any) -> None:
        text = str(value).strip()
        control = _CONTROL_TEXT if fld.type == "text" else _CONTROL_STRICT
        if control.search(text):
            self.problem(
                fld.name,
                "text_control_chars",
                f"The {fld.label.lower()} contains control or invisible characters.",
            )
        if fld.max_length and len(text) > fld.max_length:
            self.problem(
                fld.name,
                "text_too_long",
                f"The {fld.label.lower()} is {len(text)} characters; at most {fld.max_length}.",
            )
        if fld.pattern and not re.match(fld.pattern, text):
            self.problem(
                fld.name,
                f"invalid_{fld.option}",
                f"'{text}' is not a valid {fld.label.lower()} (expected {fld.pattern}).",
            )
        self.body[fld.name] = text

    def check_enum(self, fld: Field, value: Any) -> None:
        found = self.canonical(fld, value)
        if found:
            self.body[fld.name] = found

    def check_bool(self, fld: Field, value: Any) -> None:
        parsed = parse_bool(value)
        if parsed is None:
            self.problem(fld.name, "not_boolean", f"'{value}' is not true or false.")
        else:
            self.body[fld.name] = parsed

    def check_list(self, fld: Field, value: Any) -> None:
        items = parse_list(value)
        for item in items:
            if _CONTROL_STRICT.search(item):
                self.problem(
                    fld.name,
                    "text_control_chars",
                    f"The {fld.label.lower()} contain control characters.",
                )
            elif fld.item_pattern and not re.match(fld.item_pattern, item):
                self.problem(
                    fld.name,
                    f"invalid_{fld.option}",
                    f"'{item}' is not a valid entry of {fld.label}.",
                )
        self.body[fld.name] = items

    def check_datetime(self, fld: Field, value: Any) -> None:
        wire, problem = parse_expiration(str(value), self.now)
        if problem:
            self.problem(fld.name, problem.code, problem.message)
        elif wire is not None:
            self.body[fld.name] = wire

    def check_rules(self, itype: Optional[str], action: Optional[str]) -> None:
        model = self.model
        if itype and action:
            spec = model.actions[action]
            if spec.retired:
                self.problem(
                    "action",
                    "action_retired",
                    f"{action} was retired by Microsoft in 2022; use {spec.replacement} instead.",
                )
            elif action not in model.allowed_actions(itype):
                allowed = ", ".join(model.current_actions(itype))
                self.problem(
                    "action",
                    "action_not_allowed",
                    f"{action} is not available for {model.indicator_types[itype].label} indicators; use one of {allowed}.",
                )
        if action and model.actions[action].requires_generate_alert:
            if self.body.get("generateAlert") is False:
                self.problem(
                    "generateAlert",
                    "audit_requires_alert",
                    f"{action} requires generateAlert = true.",
                )
            self.body.setdefault("generateAlert", True)
        for fld in model.request_fields:
            if fld.name in self.body and (fld.only_types or fld.only_actions):
                if (fld.only_types and itype not in fld.only_types) or (
                    fld.only_actions and action not in fld.only_actions
                ):
                    self.problem(
                        fld.name,
                        f"{fld.option}_not_allowed",
                        f"The {fld.label.lower()} applies only to {'/'.join(fld.only_actions)} on {'/'.join(fld.only_types)} indicators.",
                    )
                elif fld.name == "educateUrl":
                    _, problems = check_url(self.body[fld.name])
                    for p in problems:
                        self.problem(fld.name, "invalid_educate_url", p.message)


_KINDS: Dict[str, Callable[[_Validator, Field, Any], None]] = {
    "string": _Validator.check_text,
    "text": _Validator.check_text,
    "enum": _Validator.check_enum,
    "boolean": _Validator.check_bool,
    "list": _Validator.check_list,
    "datetime": _Validator.check_datetime,
}


def validate_indicator(
    raw: Mapping[str, Any], *, model: Optional[Model] = None, now: Optional[datetime] = None
) -> Checked:
    """Validate one indicator given with wire field names; indicatorType may be 'auto' or absent."""
    return _Validator(model or load_model(), raw, now).run()
