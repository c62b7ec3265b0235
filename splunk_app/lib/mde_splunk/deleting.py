"""mdedelete's row handling: IDs (id_field=) or values to look up (field= and type=), de-duplicated."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from mde_indicators.results import Status
from mde_indicators.validate import AUTO

from .rows import settled, values_of
from .stream import Item, Row


class Deleter:
    def __init__(
        self, id_field: Optional[str], field: Optional[str], indicator_type: Optional[str]
    ) -> None:
        self.by_id = bool(id_field)
        self.field = str(id_field or field)
        self.indicator_type = None if (indicator_type or AUTO).lower() == AUTO else indicator_type
        self.seen: Dict[Tuple[str, Optional[str]], int] = {}
        self.count = 0

    def row(self, record: Dict[str, Any]) -> Row:
        self.count += 1
        row = Row(self.count, record)
        values = values_of(record, self.field)
        if not values:
            reason = f"The field {self.field} is empty or missing on this row."
            row.items.append(Item(result=settled(Status.INVALID, reason)))
        for value in values:
            key = (value if self.by_id else value.lower(), self.indicator_type)
            if key in self.seen:
                reason = f"Same {'ID' if self.by_id else 'value'} as row {self.seen[key]}."
                row.items.append(Item(result=settled(Status.DUPLICATE, reason, value)))
            else:
                self.seen[key] = row.number
                row.items.append(Item(payload=value, key=key))
        return row

    def describe(self, payload: Any) -> Dict[str, Any]:
        if self.by_id:
            return {"value": payload, "indicator_id": payload}
        return {"value": payload, "indicator_type": self.indicator_type}
