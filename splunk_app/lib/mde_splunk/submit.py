"""mdesubmit's row handling: validate each value, de-duplicate across the whole search, batch the rest.

Validation is the core's; the REST handler validates again (it trusts no caller) and sends to MDE.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping

from mde_indicators.identity import IndicatorKey
from mde_indicators.model import Model
from mde_indicators.pipeline import body_key
from mde_indicators.results import Status
from mde_indicators.validate import validate_indicator

from .rows import settled, values_of
from .stream import Item, Row

VALUE = "indicatorValue"


class Submitter:
    """Turns records into rows of items; keeps the values seen so far in this search."""

    def __init__(
        self,
        model: Model,
        value_field: str,
        defaults: Mapping[str, Any],
        per_row: Mapping[str, str],
    ) -> None:
        self.model = model
        self.value_field = value_field
        self.defaults = dict(defaults)
        self.per_row = dict(per_row)  # wire field name -> Splunk field holding its per-row value
        self.seen: Dict[IndicatorKey, int] = {}
        self.count = 0

    def row(self, record: Dict[str, Any]) -> Row:
        self.count += 1
        row = Row(self.count, record)
        values = values_of(record, self.value_field)
        if not values:
            reason = f"The field {self.value_field} is empty or missing on this row."
            row.items.append(settled(Status.INVALID, reason))
        merged = dict(self.defaults)
        for wire, name in self.per_row.items():
            own = values_of(record, name)
            if own:
                merged[wire] = own if self.model.fields[wire].type == "list" else own[0]
        for value in values:
            row.items.append(self.item({**merged, VALUE: value}, row.number))
        return row

    def item(self, raw: Dict[str, Any], number: int) -> Item:
        checked = validate_indicator(raw, model=self.model)
        body = checked.body
        if body is None:
            return settled(
                Status.INVALID,
                checked.reason,
                checked.value,
                reason_code=checked.reason_code,
                indicator_type=checked.indicator_type,
            )
        key = body_key(self.model, body)
        extra = {"indicator_type": body["indicatorType"], "action": body.get("action")}
        if key in self.seen:
            reason = f"Same indicator as row {self.seen[key]}."
            return settled(Status.DUPLICATE, reason, body[VALUE], reason_code="duplicate", **extra)
        self.seen[key] = number
        return Item(payload=body, key=key)


def describe(body: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "value": body[VALUE],
        "indicator_type": body["indicatorType"],
        "action": body.get("action"),
    }
