"""Retry decisions: Retry-After (seconds or HTTP date) is a floor; otherwise jittered backoff, bounded."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Dict, Optional

import pytest

from mde_indicators.retry import RetryPolicy, parse_retry_after, retry_after_seconds

NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("5", 5.0),
        ("0", 0.0),
        (" 12 ", 12.0),
        ("0.25", 0.25),
        ("Fri, 27 Nov 2026 12:00:30 GMT", 30.0),
        ("Fri, 27 Nov 2026 11:59:00 GMT", 0.0),
        (None, None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("-3", 0.0),
    ],
)
def test_parse_retry_after_reads_seconds_and_http_dates(header: object, expected: object) -> None:
    assert parse_retry_after(header, NOW) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "1", "x-ms-retry-after-ms": "957"}, 0.957),
        ({"retry-after": "2", "Retry-After-Ms": "1500"}, 1.5),
        ({"Retry-After": "3", "x-ms-retry-after-ms": "soon"}, 3.0),
        ({"Retry-After": "4", "x-ms-retry-after-ms": "-5"}, 4.0),
        ({"x-ms-retry-after-ms": "250"}, 0.25),
        ({"Retry-After": "5"}, 5.0),
        ({}, None),
    ],
)
def test_a_millisecond_header_is_preferred_to_whole_seconds(
    headers: Dict[str, str], expected: Optional[float]
) -> None:
    assert retry_after_seconds(headers) == expected


def policy(**kw: object) -> RetryPolicy:
    return RetryPolicy((429, 500, 502, 503, 504), rand=lambda a, b: b, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_throttling_and_server_errors_are_retried(status: int) -> None:
    assert policy().should_retry_status(status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
def test_client_errors_are_not_retried(status: int) -> None:
    assert not policy().should_retry_status(status)


def test_delay_honours_retry_after_as_a_floor() -> None:
    p = RetryPolicy((429,), rand=lambda a, b: a)
    assert p.delay(1, 7.0) == 7.0
    assert policy().delay(1, 7.0) >= 7.0


def test_backoff_grows_and_is_capped() -> None:
    p = policy(base_delay=0.5, max_delay=4.0)
    assert [p.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_backoff_never_drops_below_half_the_base() -> None:
    p = RetryPolicy((429,), base_delay=1.0, rand=lambda a, b: 0.0)
    assert p.backoff(3) == 0.5


def test_attempts_are_bounded() -> None:
    p = policy(max_attempts=3)
    assert p.has_attempts_left(2) and not p.has_attempts_left(3)
