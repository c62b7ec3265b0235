"""The schema states MDE's documented facts: its enums, limits and wire names equal literals copied from the
reference (tests/contract/facts.py), never values read back from the schema itself."""

from __future__ import annotations

from mde_indicators.model import Model
from tests.contract import facts


def test_model_has_the_documented_indicator_types_actions_and_severities(model: Model) -> None:
    # mde-indicators-api.md §4 (post-ti-indicator.md request enums)
    assert set(model.indicator_types) == {
        "FileSha1", "FileSha256", "FileMd5", "CertificateThumbprint", "IpAddress", "DomainName", "Url"
    }  # fmt: skip
    assert set(model.actions) == {
        "Alert", "Warn", "Block", "Audit", "BlockAndRemediate", "AlertAndBlock", "Allowed"
    }  # fmt: skip
    assert model.severities == ("Informational", "Low", "Medium", "High")


def test_operations_carry_the_documented_paths_and_limits(model: Model) -> None:
    ops = {(op.method, op.path): op for op in model.operations.values()}
    for limit in facts.PER_MINUTE + facts.PER_HOUR:
        path = limit.path.replace("/api", "", 1)
        op = ops[(limit.method, path)]
        assert any((r.calls, r.seconds) == (limit.calls, limit.seconds) for r in op.rate_limits), (
            f"the schema's {op.name} misses {limit.fact}"
        )
    # Import has no documented hourly limit (§1, §8).
    assert [(r.calls, r.seconds) for r in ops[("POST", "/indicators/import")].rate_limits] == [
        (30, 60)
    ]
    assert ops[("POST", "/indicators/import")].batch_size == facts.IMPORT_BATCH
    assert ops[("POST", "/indicators/import")].body_key == facts.IMPORT_BODY_KEY
    assert ops[("POST", "/indicators/BatchDelete")].batch_size == facts.BATCH_DELETE_IDS
    assert ops[("POST", "/indicators/BatchDelete")].body_key == facts.BATCH_DELETE_BODY_KEY
    assert ops[("GET", "/indicators")].max_top == facts.MAX_TOP
    assert model.max_active_indicators == facts.ACTIVE_CAP


def test_exactly_the_documented_fields_are_filterable(model: Model) -> None:
    assert sorted(f.name for f in model.filterable_fields) == sorted(facts.FILTERABLE)


def test_error_codes_have_their_documented_status(model: Model) -> None:
    for code, error in model.errors.items():
        assert error.status == facts.ERROR_STATUS[code], code
    assert model.errors["MaximumBatchSizeExceeded"].message == facts.MAX_BATCH_MESSAGE


def test_the_response_order_is_the_real_services(model: Model) -> None:
    assert model.response_field_order[: len(facts.RESPONSE_KEY_ORDER)] == facts.RESPONSE_KEY_ORDER
    assert tuple(model.import_result.values()) == facts.IMPORT_RESULT_KEYS


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
