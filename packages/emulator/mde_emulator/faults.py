"""Fault injection: what the next calls of an operation suffer, from a small SPEC grammar.

    SPEC    = TARGET ":" KIND { "," KEY "=" VALUE }
    TARGET  = list | get | submit | import | delete | batchdelete | api (any indicator call) | token | any
    KIND    = 429 | 500 | 502 | 503 | 504 | reset | slow | expire-token | partial
            | html (a 200 HTML page instead of the answer, as a proxy's login or error page; nothing done)
            | garbled (the call is done, the 200 answer is JSON of another shape)
            | truncate (the call is done, the answer is cut off mid-body and the connection closed)
            | reorder (the call is done, an import's per-item results come back in reverse order)
    KEY     = count (calls affected, default 1, "inf" for all) | after (calls let through first, default 0)
            | retry-after (seconds, for 429/503, default 1) | delay (seconds, for slow, default 5)
            | fraction (share of import items that fail, for partial, default 0.5) | seed (for partial)

Examples: import:429,count=3,retry-after=2   submit:reset   list:slow,delay=30   api:expire-token
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from mde_indicators.model import Model

BEHAVIOURS = ("reset", "slow", "expire-token", "partial", "html", "garbled", "truncate", "reorder")
# Kinds that let the call run and then spoil its answer.
SPOILERS = ("garbled", "truncate", "reorder")


def kinds(model: Model) -> Tuple[str, ...]:
    """The statuses the client retries (from the schema), then the other behaviours."""
    return (*(str(s) for s in model.retryable_statuses), *BEHAVIOURS)


SPECIAL_TARGETS = ("api", "token", "any")


def op_alias(name: str) -> str:
    """ListIndicators -> list, BatchDeleteIndicators -> batchdelete (derived from the schema's names)."""
    return name.replace("Indicators", "").replace("Indicator", "").lower()


@dataclass
class Fault:
    target: str
    kind: str
    count: Optional[int] = 1
    after: int = 0
    retry_after: float = 1.0
    delay: float = 5.0
    fraction: float = 0.5
    rng: random.Random = field(default_factory=lambda: random.Random(0), repr=False)
    spec: str = ""

    @property
    def status(self) -> Optional[int]:
        return int(self.kind) if self.kind.isdigit() else None

    def describe(self) -> Dict[str, object]:
        return {
            "spec": self.spec,
            "remaining": "inf" if self.count is None else self.count,
            "after": self.after,
        }


def parse_fault(spec: str, model: Model) -> Fault:
    """Parse one SPEC; raise ValueError with a readable message."""
    head, _, rest = spec.strip().partition(",")
    target, sep, kind = head.partition(":")
    target, kind = target.strip().lower(), kind.strip().lower()
    targets = {op_alias(n) for n in model.operations} | set(SPECIAL_TARGETS)
    if not sep or target not in targets:
        raise ValueError(f"fault {spec!r}: target must be one of {', '.join(sorted(targets))}")
    if kind not in kinds(model):
        raise ValueError(f"fault {spec!r}: kind must be one of {', '.join(kinds(model))}")
    fault = Fault(target, kind, spec=spec.strip())
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, _, value = item.partition("=")
        try:
            if key == "count":
                fault.count = None if value in ("inf", "*") else int(value)
            elif key == "after":
                fault.after = int(value)
            elif key == "retry-after":
                fault.retry_after = float(value)
            elif key == "delay":
                fault.delay = float(value)
            elif key == "fraction":
                fault.fraction = float(value)
            elif key == "seed":
                fault.rng = random.Random(int(value))
            else:
                raise ValueError(f"unknown key {key!r}")
        except ValueError as exc:
            raise ValueError(f"fault {spec!r}: {exc}") from None
    return fault


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.faults: List[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def take(self, target: str, is_api: bool) -> Optional[Fault]:
        """The fault that hits this call (consuming one of its uses), if any."""
        with self._lock:
            for fault in self.faults:
                if fault.target not in (target, "any") and not (fault.target == "api" and is_api):
                    continue
                if fault.after > 0:
                    fault.after -= 1
                    continue
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                return fault
        return None
