"""Expiration parsing: relative or ISO-8601 with an offset, always UTC, never in the past."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mde_indicators.expiry import parse_expiration, parse_iso

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", "2026-12-27T12:00:00Z"),
        ("12h", "2026-11-28T00:00:00Z"),
        ("90m", "2026-11-27T13:30:00Z"),
        ("2w", "2026-12-11T12:00:00Z"),
        ("+1D", "2026-11-28T12:00:00Z"),
        ("2030-01-31T00:00:00Z", "2030-01-31T00:00:00Z"),
        ("2030-01-31T02:00:00+02:00", "2030-01-31T00:00:00Z"),
        ("2030-01-31T00:00:00.1234567Z", "2030-01-31T00:00:00Z"),
        ("2030-01-30T19:00:00-05:00", "2030-01-31T00:00:00Z"),
    ],
)
def test_expirations_become_utc(text: str, expected: str) -> None:
    assert parse_expiration(text, NOW) == (expected, None)


@pytest.mark.parametrize("text", [None, "", "never", "none"])
def test_empty_or_never_means_no_expiration(text: object) -> None:
    assert parse_expiration(text, NOW) == (None, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2020-01-01T00:00:00Z", "in the past"),
        ("2026-11-27T11:59:59Z", "in the past"),
        ("2030-01-31T00:00:00", "is not an expiration"),
        ("2030-01-31", "is not an expiration"),
        ("tomorrow", "is not an expiration"),
        ("30 days", "is not an expiration"),
        ("0d", "at least 1"),
        ("-5d", "is not an expiration"),
    ],
)
def test_bad_or_past_expirations_are_explained(text: str, fragment: str) -> None:
    value, error = parse_expiration(text, NOW)
    assert value is None and error and fragment in error.message


def test_parse_iso_accepts_the_services_seven_fraction_digits() -> None:
    assert parse_iso("2019-12-19T09:09:46.9139216Z").microsecond == 913921
