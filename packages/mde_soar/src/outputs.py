"""Action outputs: one row per input item (the pack's ItemResult), indicator rows (the API's own field
names, like the official MDE app's data paths), and summaries. Rows and summaries derive from the core's
ItemResult, Status and the schema's response fields.
"""

import dataclasses
from enum import Enum
from typing import Any, get_args, get_type_hints

from pydantic import create_model
from soar_sdk.action_results import ActionOutput, OutputField, PermissiveActionOutput

from mde_indicators.model import Field, load_model
from mde_indicators.results import ItemResult, Status

from .contains import id_contains, value_contains

MODEL = load_model()


def _item_type(hint: Any) -> Any:
    """An ItemResult field's type as output data (enums by their value)."""
    args = [a for a in get_args(hint) if a is not type(None)]
    base = args[0] if args else hint
    if isinstance(base, type) and issubclass(base, Enum):
        base = int if issubclass(base, int) else str
    return (base if base in (int, float, str, bool) else str) | None


# Data paths that chain with other apps; every other ItemResult field is a plain column.
_ITEM_FIELDS: dict[str, Any] = {
    "value": OutputField(cef_types=value_contains(MODEL), column_name="Value"),
    "status": OutputField(example_values=[s.value for s in Status], column_name="Status"),
    "indicator_type": OutputField(example_values=list(MODEL.indicator_types), column_name="Type"),
    "indicator_id": OutputField(cef_types=id_contains(), column_name="Indicator ID"),
    "reason": OutputField(column_name="Reason"),
}
# One row per input item, exactly ItemResult.as_dict(); index counts from 0 in input order.
ItemOutput = create_model(
    "ItemOutput",
    __base__=ActionOutput,
    **{
        f.name: (_item_type(hint), _ITEM_FIELDS.get(f.name, None))
        for f, hint in (
            (f, get_type_hints(ItemResult)[f.name]) for f in dataclasses.fields(ItemResult)
        )
    },
)

CountsSummary = create_model(
    "CountsSummary",
    __base__=ActionOutput,
    total=(int, 0),
    **{s.value: (int, 0) for s in Status},
)

SubmitSummary = create_model(
    "SubmitSummary",
    __base__=CountsSummary,
    indicator_id=(str | None, OutputField(cef_types=id_contains())),
)

_PY_TYPES = {"boolean": bool, "integer": int, "list": list[str]}
_CONTAINS = {"id": id_contains(), "indicatorValue": value_contains(MODEL)}


def _row_field(field: Field) -> Any:
    kind: Any = _PY_TYPES.get(field.type, str)
    return (kind | None, OutputField(cef_types=_CONTAINS.get(field.name)))


# Permissive: fields the schema does not list yet (or nested ones like certificateInfo) still reach the data.
IndicatorOutput = create_model(
    "IndicatorOutput",
    __base__=PermissiveActionOutput,
    **{
        name: _row_field(MODEL.fields[name])
        for name in MODEL.response_field_order
        if MODEL.fields[name].type != "object"
    },
)


class ListSummary(ActionOutput):
    total: int
    limit_reached: bool


# The counts of SyncPlan.summary() that describe the plan (the rest are item statuses).
PLAN_KEYS = (
    "input_items", "create", "update", "replace", "unchanged", "delete",
    "owned", "owned_kept", "others", "peak", "cap",
)  # fmt: skip

SyncSummary = create_model(
    "SyncSummary",
    __base__=CountsSummary,
    refused=(bool, False),
    **{f"plan_{key}": (int, 0) for key in PLAN_KEYS},
)
