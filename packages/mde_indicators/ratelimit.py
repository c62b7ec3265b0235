"""Client-side rate budget per operation from the schema's documented limits (sliding windows).

Keeping under 30 imports/min, 100 calls/min and 1,500/h avoids collecting 429s on long runs.
`scale` runs the windows faster, matching an emulator started with --limits scaled:K.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable, Deque, Dict, List, Tuple

from .errors import RateLimited
from .model import Operation

MARGIN = 1.05


class RateBudget:
    def __init__(
        self,
        scale: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        enabled: bool = True,
    ) -> None:
        self.scale = scale if scale > 0 else 1.0
        self.enabled = enabled
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._calls: Dict[str, Deque[float]] = {}
        self._paused_until: Dict[str, float] = {}

    def _windows(self, op: Operation) -> List[Tuple[int, float]]:
        # A 5% margin: the service starts its window when a call arrives, a little after we send it.
        return [(r.calls, r.seconds * MARGIN / self.scale) for r in op.rate_limits]

    def wait_time(self, op: Operation) -> float:
        """Seconds until one more call of op fits every window."""
        now = self._clock()
        calls = self._calls.setdefault(op.name, deque())
        longest = max((w for _, w in self._windows(op)), default=0.0)
        while calls and calls[0] <= now - longest:
            calls.popleft()
        wait = max(0.0, self._paused_until.get(op.name, 0.0) - now)
        for limit, window in self._windows(op):
            recent = [t for t in calls if t > now - window]
            if len(recent) >= limit:
                wait = max(wait, recent[len(recent) - limit] + window - now)
        return wait

    def acquire(self, op: Operation, max_wait: float) -> None:
        """Block until op may be called; raise RateLimited if that would take longer than max_wait."""
        if not self.enabled:
            return
        while True:
            with self._lock:
                wait = self.wait_time(op)
                if wait <= 0:
                    self._calls[op.name].append(self._clock())
                    return
            if wait > max_wait:
                raise RateLimited(
                    f"{op.name}: the documented rate limit allows the next call in {wait:.0f}s",
                    status=429,
                    code="ClientRateBudget",
                    retry_after=wait,
                )
            self._sleep(wait)

    def pause(self, op: Operation, seconds: float) -> None:
        """After a 429, hold every caller of op for Retry-After."""
        with self._lock:
            until = self._clock() + seconds
            self._paused_until[op.name] = max(self._paused_until.get(op.name, 0.0), until)
