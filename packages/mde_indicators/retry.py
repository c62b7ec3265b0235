"""When and how long to wait before retrying: Retry-After first, otherwise jittered exponential backoff.

Retries are bounded by an attempt count and a total time budget; a wait never ends before Retry-After.
A millisecond header (retry-after-ms, x-ms-retry-after-ms: Azure's convention, read first by azure-core)
is preferred to Retry-After's whole seconds when a service sends one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable, Mapping, Optional, Tuple

MILLISECOND_HEADERS = ("retry-after-ms", "x-ms-retry-after-ms")


def parse_retry_after(value: Optional[str], now: Optional[datetime] = None) -> Optional[float]:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent or bad."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        seconds = (moment - (now or datetime.now(timezone.utc))).total_seconds()
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return max(0.0, seconds)


def retry_after_seconds(headers: Mapping[str, str]) -> Optional[float]:
    """Seconds to wait from a response's headers: a millisecond header if valid, else Retry-After."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in MILLISECOND_HEADERS:
        try:
            millis = float(lowered.get(name, ""))
        except ValueError:
            continue
        if millis == millis and 0 <= millis < float("inf"):
            return millis / 1000
    return parse_retry_after(lowered.get("retry-after"))


@dataclass(frozen=True)
class RetryPolicy:
    retryable_statuses: Tuple[int, ...]
    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_total: float = 120.0
    rand: Callable[[float, float], float] = field(default=random.uniform, repr=False, compare=False)

    def should_retry_status(self, status: int) -> bool:
        return status in self.retryable_statuses

    def has_attempts_left(self, attempts_made: int) -> bool:
        return attempts_made < self.max_attempts

    def backoff(self, attempts_made: int) -> float:
        """Full-jitter exponential backoff, at least half the base delay."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** max(0, attempts_made - 1)))
        return max(self.base_delay / 2, self.rand(0.0, ceiling))

    def delay(self, attempts_made: int, retry_after: Optional[float]) -> float:
        """How long to wait before the next attempt; never less than Retry-After."""
        if retry_after is None:
            return self.backoff(attempts_made)
        # A little jitter on top spreads clients that were throttled together.
        return retry_after + self.rand(0.0, min(1.0, 0.1 * retry_after + 0.05))
