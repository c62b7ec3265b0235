"""The core's import path vs one POST per indicator (how existing integrations push), under the documented
rate limits run K times faster by the emulator. Everything in the run is on the scaled clock, so the real
time is wall time x K; at K = 60 the emulator's few milliseconds per call stand in for the service's
latency of a few hundred (a larger K would make calls look slower than the limits and hide them).
"""

from __future__ import annotations

from typing import Callable, Dict, List, Tuple

from mde_emulator import EmulatorServer, Settings
from mde_indicators.client import IndicatorsClient
from mde_indicators.config import ClientConfig
from mde_indicators.service import IndicatorService
from mde_indicators.transport import Transport

from .common import Row, SleepMeter

K = 60.0  # a documented minute lasts 1 s, an hour 60 s


def items(n: int) -> List[Dict[str, str]]:
    return [
        {
            "indicatorValue": f"{i:064x}",
            "indicatorType": "FileSha256",
            "action": "Block",
            "title": "bench",
            "description": "bench",
        }
        for i in range(1, n + 1)
    ]


def client(emu: EmulatorServer, meter: SleepMeter, budget: bool) -> IndicatorsClient:
    # Existing integrations have no client-side budget: they send and back off on 429.
    scale = K if budget else 1e12
    config = ClientConfig.from_env(
        emu.env(), rate_limit_scale=scale, max_attempts=1000, max_retry_seconds=3600.0
    )
    return IndicatorsClient(Transport(config, sleep=meter))


def via_import(emu: EmulatorServer, meter: SleepMeter, n: int) -> int:
    results = IndicatorService(client(emu, meter, budget=True)).import_indicators(items(n))
    return sum(r.ok for r in results)


def one_post_each(emu: EmulatorServer, meter: SleepMeter, n: int) -> int:
    c = client(emu, meter, budget=False)
    for body in items(n):
        c.submit(body)
    return n


def measure(
    path: Callable[[EmulatorServer, SleepMeter, int], int], n: int
) -> Tuple[Dict[str, object], float]:
    import time

    with EmulatorServer(Settings(limits=f"scaled:{K:g}", cap=max(20_000, n + 1))) as emu:
        meter = SleepMeter()
        started = time.monotonic()
        accepted = path(emu, meter, n)
        wall = time.monotonic() - started
        log = [
            e for e in emu.requests_log() if e.get("op") in ("ImportIndicators", "SubmitIndicator")
        ]
        stored = len(emu.admin("GET", "indicators")["value"])
    real = wall * K
    figures = {
        "accepted": accepted,
        "stored": stored,
        "API calls": len(log),
        "429s": sum(e["status"] == 429 for e in log),
        "waiting": f"{meter.slept / wall:.0%}",
        "est. real time": _human(real),
    }
    return figures, real


def _human(seconds: float) -> str:
    return (
        f"{seconds / 3600:.1f} h"
        if seconds >= 3600
        else f"{seconds / 60:.1f} min"
        if seconds >= 120
        else f"{seconds:.1f} s"
    )


def run() -> List[Row]:
    rows = []
    for n in (1_000, 15_000):
        batch, batch_real = measure(via_import, n)
        single, single_real = measure(one_post_each, n)
        rows.append(
            Row("push", f"{n:,} indicators, one POST each (baseline)", {**single, "x faster": 1.0})
        )
        rows.append(
            Row(
                "push",
                f"{n:,} indicators, core import path",
                {**batch, "x faster": round(single_real / batch_real, 1)},
            )
        )
    return rows
