"""Documented rate limits per (tenant, app, operation), enforced with sliding windows.

`documented` uses the real windows, `scaled:K` runs them K times faster, `off` disables them.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Deque, Dict, Optional, Tuple

from mde_indicators.model import Operation


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
    def __init__(self, scale: Optional[float]) -> None:
        self.scale = scale
        self._lock = threading.Lock()
        self._calls: Dict[Tuple[str, str, str], Deque[float]] = {}

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()

    def check(self, tenant: str, app: str, op: Operation) -> Optional[float]:
        """Record a call and return None, or return the seconds until one is allowed (429)."""
        if self.scale is None:
            return None
        now = time.monotonic()
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


def retry_after_header(seconds: float, scale: Optional[float] = 1.0) -> str:
    """Retry-After as delta-seconds: an integer (at least 1) at documented speed.

    Under scaled:K the windows are K times shorter, so the header keeps its fraction (e.g. 0.250);
    rounding up to whole seconds would make scaled runs wait far longer than the scaled limit.
    """
    if scale and scale != 1.0:
        return f"{max(0.001, seconds):.3f}"
    return str(max(1, math.ceil(seconds)))
