"""mdedelete's row handling: IDs (id_field=) or values to look up (field= and type=), de-duplicated."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from mde_indicators.identity import key_of
from mde_indicators.model import Model
from mde_indicators.results import Status
from mde_indicators.validate import AUTO
from mde_indicators.values import detect_type

from .rows import settled, values_of
from .stream import Item, Row


class Deleter:
    def __init__(
        self,
        model: Model,
        id_field: Optional[str],
        field: Optional[str],
        indicator_type: Optional[str],
    ) -> None:
        self.model = model
        self.by_id = bool(id_field)
        self.field = str(id_field or field)
        self.indicator_type = None if (indicator_type or AUTO).lower() == AUTO else indicator_type
        self.seen: Dict[Tuple[Optional[str], str], int] = {}
        self.count = 0

    def row(self, record: Dict[str, Any]) -> Row:
        self.count += 1
        row = Row(self.count, record)
        values = values_of(record, self.field)
        if not values:
            reason = f"The field {self.field} is empty or missing on this row."
            row.items.append(settled(Status.INVALID, reason))
        for value in values:
            key = self.key(value)
            if key in self.seen:
                reason = f"Same {'ID' if self.by_id else 'value'} as row {self.seen[key]}."
                row.items.append(settled(Status.DUPLICATE, reason, value, reason_code="duplicate"))
            else:
                self.seen[key] = row.number
                row.items.append(Item(payload=value, key=key))
        return row

    def key(self, value: str) -> Tuple[Optional[str], str]:
        """An ID as given; a value as the indicator identity (its detected type's case rule)."""
        if self.by_id:
            return (None, value)
        rule_type = self.indicator_type or detect_type(self.model, value)
        return (self.indicator_type, key_of(self.model, rule_type, value).value)

    def describe(self, payload: Any) -> Dict[str, Any]:
        if self.by_id:
            return {"value": payload, "indicator_id": payload}
        return {"value": payload, "indicator_type": self.indicator_type}
