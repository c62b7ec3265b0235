"""Shared benchmark plumbing: timing, a sleep counter, and result rows."""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List


@dataclass
class Row:
    benchmark: str
    case: str
    figures: Dict[str, Any] = field(default_factory=dict)


class SleepMeter:
    """Wraps time.sleep to know how much of a run was spent waiting (for rate limits)."""

    def __init__(self) -> None:
        self.slept = 0.0

    def __call__(self, seconds: float) -> None:
        started = time.monotonic()
        time.sleep(seconds)
        self.slept += time.monotonic() - started


def timed(func: Callable[[], Any], repeat: int = 5) -> List[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return times


def median(values: List[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def peak_rss_mb_children() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
