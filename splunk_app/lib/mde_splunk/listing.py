"""mdelist's work: the OData filter from its arguments, and indicators as events (_time = last update)."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, Optional

from mde_indicators import odata
from mde_indicators.expiry import parse_iso
from mde_indicators.model import Model
from mde_indicators.validate import parse_bool
from mde_indicators.values import detect_type, normalise_value

from .remote import RemoteApi
from .spec import Command

PAGE = 1000


def _canonical(model: Model, wire: str, text: str, values: Dict[str, Any]) -> Any:
    field = model.fields[wire]
    if field.type == "boolean":
        return parse_bool(text)
    if field.enum:
        by_lower = {v.lower(): v for v in model.enum_values(field.enum)}
        return by_lower.get(text.lower(), text)
    if wire == "indicatorValue":
        # Compare with what MDE stores: hashes in lower case, refanged URLs and domains.
        itype = values.get("type") or detect_type(model, text)
        if itype in model.indicator_types:
            normalised, _ = normalise_value(model.indicator_types[itype], text)
            return normalised or text
    return text


def build_filter(model: Model, command: Command, values: Dict[str, Any]) -> Optional[str]:
    """filter= and the equality arguments, joined with and; every literal escaped."""
    clauses = [values.get("filter")]
    for arg in command.args:
        if arg.wire and arg.name in values and arg.name != "filter":
            literal = _canonical(model, arg.wire, str(values[arg.name]).strip(), values)
            clauses.append(odata.eq(arg.wire, literal, model))
    return odata.all_of(*clauses)


def to_event(model: Model, row: Dict[str, Any]) -> Dict[str, Any]:
    """Every schema response field in schema order (lists stay multivalue, objects become JSON)."""
    event: Dict[str, Any] = {}
    stamp = row.get("lastUpdateTime") or row.get("creationTimeDateTimeUtc")
    try:
        event["_time"] = parse_iso(str(stamp)).timestamp() if stamp else None
    except ValueError:
        event["_time"] = None
    for name in model.response_field_order:
        value = row.get(name)
        if isinstance(value, dict):
            value = json.dumps(value, sort_keys=True)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        event[name] = value
    event["_raw"] = json.dumps(row, sort_keys=True)
    return event


def events(
    model: Model, remote: RemoteApi, account: Optional[str], filter: Optional[str], limit: int
) -> Iterator[Dict[str, Any]]:
    skip = 0
    while skip < limit:
        rows, more = remote.list_page(account, filter, min(PAGE, limit - skip), skip)
        for row in rows[: limit - skip]:
            yield to_event(model, row)
        skip += len(rows)
        if not more or not rows:
            return
