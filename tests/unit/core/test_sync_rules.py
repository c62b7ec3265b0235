"""What a sync counts as a change, and which items it keeps when the tenant cap is reached."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, Optional

import pytest

from mde_indicators.expiry import relative_duration
from mde_indicators.model import Model
from mde_indicators.ops.sync.rules import (
    Candidate,
    compared_fields,
    differences,
    expiry_tolerance,
    parse_priorities,
    rank,
    select_within_cap,
)

ROW: Dict[str, Any] = {
    "indicatorValue": "evil.example.net",
    "indicatorType": "DomainName",
    "action": "Block",
    "application": "Feed",
    "title": "Feed item",
    "description": "From the feed",
    "severity": "High",
    "expirationTime": "2031-01-01T00:00:00Z",
    "rbacGroupNames": ["Servers", "Laptops"],
    "generateAlert": True,
    "category": 1,
}


def diff(model: Model, tolerance: timedelta = timedelta(minutes=1), **body: Any) -> list:
    return differences(compared_fields(model), body, ROW, tolerance)


def test_compared_fields_are_request_fields_an_update_can_change(model: Model) -> None:
    names = {f.name for f in compared_fields(model)}
    assert {"title", "description", "severity", "expirationTime", "rbacGroupNames"} <= names
    assert not names & {"indicatorValue", "indicatorType", "action", "application"}


def test_equal_values_in_other_forms_are_not_changes(model: Model) -> None:
    assert (
        diff(
            model,
            title=" Feed item ",
            severity="high",
            rbacGroupNames=["Laptops", "Servers", "Servers"],
            generateAlert=True,
            expirationTime="2031-01-01T00:00:00.4Z",
        )
        == []
    )


def test_fields_the_input_leaves_unset_are_not_compared(model: Model) -> None:
    assert diff(model, title="Feed item") == []


def test_a_field_reported_in_another_form_is_not_a_change(model: Model) -> None:
    # category goes out as a name and comes back as a number: comparing them would update forever.
    assert diff(model, category="SuspiciousActivity") == []


def test_real_differences_are_named(model: Model) -> None:
    changed = diff(
        model,
        title="New title",
        severity="Low",
        rbacGroupNames=["Servers"],
        generateAlert=False,
        expirationTime="2031-01-02T00:00:00Z",
    )
    assert changed == ["title", "expirationTime", "severity", "rbacGroupNames", "generateAlert"]


def test_expiry_within_the_tolerance_counts_as_equal(model: Model) -> None:
    later = "2031-01-03T00:00:00Z"
    assert diff(model, timedelta(days=3), expirationTime=later) == []
    assert diff(model, timedelta(days=1), expirationTime=later) == ["expirationTime"]


@pytest.mark.parametrize(
    ("raw", "given", "expected"),
    [
        ("30d", None, timedelta(days=3)),
        ("12h", None, timedelta(hours=1, minutes=12)),
        ("5m", None, timedelta(minutes=1)),
        ("2031-01-01T00:00:00Z", None, timedelta(minutes=1)),
        (None, None, timedelta(minutes=1)),
        ("30d", timedelta(hours=2), timedelta(hours=2)),
    ],
)
def test_relative_expirations_get_a_tenth_of_their_length_as_slack(
    raw: Optional[str], given: Optional[timedelta], expected: timedelta
) -> None:
    assert expiry_tolerance(raw, given) == expected


def test_relative_duration_reads_only_relative_times() -> None:
    assert relative_duration("2w") == timedelta(weeks=2)
    assert relative_duration("2031-01-01T00:00:00Z") is None
    assert relative_duration("never") is None


def candidate(index: int, severity: Optional[str] = None, **kw: Any) -> Candidate:
    body = {"severity": severity} if severity else {}
    if "expiration" in kw:
        body["expirationTime"] = kw.pop("expiration")
    return Candidate(index, body, kw.get("time"), kw.get("exact", False), kw.get("stale", 0))


def test_rank_orders_by_each_key_then_input_order(model: Model) -> None:
    items = [
        candidate(0, "Low", time="2024-01-02T00:00:00Z"),
        candidate(1, "High", time="2024-01-01T00:00:00Z"),
        candidate(2, None, time="2024-01-03T00:00:00Z"),
        candidate(3, "High", time="2024-01-05T00:00:00Z"),
        candidate(4, "Low"),
    ]
    assert [c.index for c in rank(items, ["severity", "newest"], model)] == [3, 1, 0, 4, 2]
    assert [c.index for c in rank(items, ["newest"], model)] == [3, 2, 0, 1, 4]
    assert [c.index for c in rank(items, [], model)] == [0, 1, 2, 3, 4]


def test_rank_by_existing_and_expiration(model: Model) -> None:
    items = [
        candidate(0, expiration="2030-01-01T00:00:00Z"),
        candidate(1, exact=True, expiration="2029-01-01T00:00:00Z"),
        candidate(2),
    ]
    assert [c.index for c in rank(items, ["existing"], model)] == [1, 0, 2]
    assert [c.index for c in rank(items, ["expiration"], model)] == [2, 0, 1]


def test_unknown_priority_keys_are_refused() -> None:
    assert parse_priorities(" severity , newest") == ["severity", "newest"]
    with pytest.raises(ValueError, match="unknown priority oldest"):
        parse_priorities("severity,oldest")


def test_without_delete_missing_existing_items_cost_nothing_and_new_ones_one() -> None:
    ranked = [candidate(0), candidate(1, exact=True), candidate(2), candidate(3)]
    kept, dropped, peak = select_within_cap(ranked, base=8, cap=10, delete_missing=False)
    assert [c.index for c in kept] == [0, 1, 2] and [c.index for c in dropped] == [3]
    assert peak == 10


def test_with_delete_missing_each_kept_item_costs_its_row_and_its_old_action_rows() -> None:
    ranked = [candidate(0, exact=True), candidate(1, stale=2), candidate(2)]
    kept, dropped, peak = select_within_cap(ranked, base=5, cap=9, delete_missing=True)
    assert [c.index for c in kept] == [0, 1] and [c.index for c in dropped] == [2]
    assert peak == 9
