"""The client's rate budget keeps each operation inside its documented windows, on a fake clock."""

from __future__ import annotations

from typing import List, Tuple

import pytest

from mde_indicators.errors import RateLimited
from mde_indicators.model import Model
from mde_indicators.ratelimit import MARGIN, RateBudget


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: List[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def budget_on_fake_clock(scale: float = 1.0) -> Tuple[FakeClock, RateBudget]:
    clock = FakeClock()
    return clock, RateBudget(scale=scale, clock=clock, sleep=clock.sleep)


def test_import_budget_allows_30_calls_a_minute_then_waits(model: Model) -> None:
    clock, budget = budget_on_fake_clock()
    op = model.operations["ImportIndicators"]
    for _ in range(op.rate_limits[0].calls):
        budget.acquire(op, max_wait=120)
    assert clock.sleeps == []
    budget.acquire(op, max_wait=120)
    assert clock.sleeps == [pytest.approx(op.rate_limits[0].seconds * MARGIN)]


def test_hourly_window_applies_after_the_minute_one(model: Model) -> None:
    clock, budget = budget_on_fake_clock()
    op = model.operations["SubmitIndicator"]
    per_minute, per_hour = op.rate_limits
    for _ in range(per_hour.calls):
        budget.acquire(op, max_wait=10_000)
    assert clock.now - 1000.0 >= (per_hour.calls // per_minute.calls - 1) * per_minute.seconds
    before = clock.now
    budget.acquire(op, max_wait=10_000)
    assert clock.now - 1000.0 >= per_hour.seconds - 1
    assert clock.now > before


def test_a_wait_beyond_the_allowed_time_raises_rate_limited_with_retry_after(model: Model) -> None:
    _, budget = budget_on_fake_clock()
    op = model.operations["BatchDeleteIndicators"]
    for _ in range(op.rate_limits[0].calls):
        budget.acquire(op, max_wait=0)
    with pytest.raises(RateLimited) as caught:
        budget.acquire(op, max_wait=5)
    assert caught.value.retry_after == pytest.approx(op.rate_limits[0].seconds * MARGIN)


def test_scale_shortens_the_windows(model: Model) -> None:
    clock, budget = budget_on_fake_clock(scale=60)
    op = model.operations["ImportIndicators"]
    for _ in range(op.rate_limits[0].calls + 1):
        budget.acquire(op, max_wait=120)
    assert clock.sleeps == [pytest.approx(op.rate_limits[0].seconds * MARGIN / 60)]


def test_pause_holds_callers_until_retry_after(model: Model) -> None:
    clock, budget = budget_on_fake_clock()
    op = model.operations["ListIndicators"]
    budget.pause(op, 7.5)
    budget.acquire(op, max_wait=60)
    assert clock.sleeps == [7.5]


def test_operations_have_separate_budgets(model: Model) -> None:
    clock, budget = budget_on_fake_clock()
    for _ in range(model.operations["ImportIndicators"].rate_limits[0].calls):
        budget.acquire(model.operations["ImportIndicators"], max_wait=0)
    budget.acquire(model.operations["ListIndicators"], max_wait=0)
    assert clock.sleeps == []
