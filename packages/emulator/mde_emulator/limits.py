"""Documented rate limits per (tenant, app, operation), enforced with sliding windows.

`documented` uses the real windows, `scaled:K` runs them K times faster, `off` disables them. A 429 carries
Retry-After as RFC 9110 delay-seconds (a whole number) in every mode, as MDE documents; a wait finer than
a second (scaled runs) is also given in milliseconds in x-ms-retry-after-ms, the header Azure services
use for that (Cosmos DB's REST API; azure-core's retry policy reads it before Retry-After).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Callable, Deque, Dict, Optional, Tuple

from mde_indicators.model import Operation

PRECISE = "x-ms-retry-after-ms"


def parse_mode(mode: str) -> Optional[float]:
    """Scale factor for a --limits value; None means off."""
    if mode == "off":
        return None
    if mode == "documented":
        return 1.0
    if mode.startswith("scaled:"):
        scale = float(mode.split(":", 1)[1])
        if scale <= 0:
            raise ValueError("the scale must be positive")
        return scale
    raise ValueError(f"--limits takes documented, off or scaled:K, not {mode!r}")


class RateLimiter:
    def __init__(self, scale: Optional[float], clock: Callable[[], float] = time.monotonic) -> None:
        self.scale = scale
        self.clock = clock
        self._lock = threading.Lock()
        self._calls: Dict[Tuple[str, str, str], Deque[float]] = {}

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()

    def check(self, tenant: str, app: str, op: Operation) -> Optional[float]:
        """Record a call and return None, or return the seconds until one is allowed (429)."""
        if self.scale is None:
            return None
        now = self.clock()
        windows = [(r.calls, r.seconds / self.scale) for r in op.rate_limits]
        with self._lock:
            calls = self._calls.setdefault((tenant, app, op.name), deque())
            longest = max(w for _, w in windows)
            while calls and calls[0] <= now - longest:
                calls.popleft()
            wait = 0.0
            for limit, window in windows:
                recent = [t for t in calls if t > now - window]
                if len(recent) >= limit:
                    wait = max(wait, recent[len(recent) - limit] + window - now)
            if wait > 0:
                return wait
            calls.append(now)
            return None


def retry_after_headers(seconds: float, *, precise: bool, minimum: int = 1) -> Dict[str, str]:
    """Retry-After in whole seconds, rounded up so that no client comes back early; with precise, the
    wait in milliseconds as well (x-ms-retry-after-ms), for waits a whole second would distort."""
    headers = {"Retry-After": str(max(minimum, math.ceil(seconds)))}
    if precise:
        headers[PRECISE] = str(max(1, math.ceil(seconds * 1000)))
    return headers
