"""OData filter building: literals are escaped, only filterable fields may be named."""

from __future__ import annotations

import pytest

from mde_indicators import odata


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("evil.example", "'evil.example'"),
        ("o'brien.example", "'o''brien.example'"),
        ("'; drop", "'''; drop'"),
        ("a''b", "'a''''b'"),
        (True, "true"),
        (False, "false"),
        (5, "5"),
    ],
)
def test_literals_are_escaped(value: object, expected: str) -> None:
    assert odata.literal(value) == expected


def test_injection_attempt_stays_inside_the_literal() -> None:
    clause = odata.eq("indicatorValue", "x' or indicatorType ne 'y")
    assert clause == "indicatorValue eq 'x'' or indicatorType ne ''y'"
    assert clause.count("'") % 2 == 0


def test_only_filterable_fields_can_be_named() -> None:
    with pytest.raises(ValueError, match="cannot be filtered"):
        odata.eq("description", "x")


def test_any_of_and_all_of_compose_clauses() -> None:
    either = odata.any_of("indicatorValue", ["a", "b"])
    assert either == "(indicatorValue eq 'a' or indicatorValue eq 'b')"
    assert (
        odata.all_of(either, None, odata.eq("action", "Block"))
        == f"({either}) and (action eq 'Block')"
    )
    assert odata.all_of(None, None) is None
    assert odata.all_of("action eq 'Block'") == "action eq 'Block'"
    with pytest.raises(ValueError):
        odata.any_of("indicatorValue", [])
