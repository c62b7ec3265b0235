"""The schema is the source of truth: the code's enums, limits and wire names are pinned to it."""

from __future__ import annotations

import json
from pathlib import Path

from mde_indicators import model as model_module
from mde_indicators.model import Model

SCHEMA = Path(model_module.__file__).parent / "data" / model_module.SCHEMA_FILE


def raw() -> dict:
    return json.loads(SCHEMA.read_text("utf-8"))


def test_model_exposes_every_indicator_type_action_and_severity(model: Model) -> None:
    data = raw()
    assert tuple(model.indicator_types) == tuple(data["indicatorTypes"])
    assert tuple(model.actions) == tuple(data["actions"])
    assert model.severities == tuple(data["severities"])
    assert len(model.indicator_types) == 7 and len(model.actions) == 7


def test_operation_limits_come_from_the_schema(model: Model) -> None:
    data = raw()["operations"]
    for name, op in model.operations.items():
        assert op.method == data[name]["method"] and op.path == data[name]["path"]
        assert [(r.calls, r.seconds) for r in op.rate_limits] == [
            (r["calls"], r["seconds"]) for r in data[name]["rateLimits"]
        ]
    assert model.operations["ImportIndicators"].batch_size == data["ImportIndicators"]["batchSize"]
    assert model.operations["ImportIndicators"].body_key == "Indicators"
    assert model.operations["BatchDeleteIndicators"].body_key == "IndicatorIds"
    assert model.operations["ListIndicators"].max_top == data["ListIndicators"]["maxTop"]


def test_every_type_family_has_its_allowed_actions(model: Model) -> None:
    for itype in model.indicator_types.values():
        assert itype.family in model.actions_by_family
        assert set(model.allowed_actions(itype.name)) <= set(model.actions)


def test_current_actions_exclude_retired_ones(model: Model) -> None:
    retired = {a.name for a in model.actions.values() if a.retired}
    assert retired and not retired & set(model.current_actions())


def test_external_id_keeps_its_wire_casing(model: Model) -> None:
    assert "externalId" in model.fields and "externalID" not in model.fields


def test_response_field_order_names_only_schema_fields(model: Model) -> None:
    assert set(model.response_field_order) <= set(model.fields)
    assert {f.name for f in model.fields.values() if f.response} <= set(model.response_field_order)
