"""A sync with nothing to change on 15,000 indicators: write calls (must be 0) and list calls.

Baseline in the same run: the first sync, which creates the 15,000.
"""

from __future__ import annotations

import time
from typing import Dict, List

from mde_emulator import EmulatorServer, Settings
from mde_indicators.client import IndicatorsClient
from mde_indicators.config import ClientConfig
from mde_indicators.ops.sync.apply import apply_sync
from mde_indicators.ops.sync.plan import plan_sync
from mde_indicators.service import IndicatorService

from .common import Row

N = 15_000
APP = "bench-feed"
WRITES = ("ImportIndicators", "SubmitIndicator", "DeleteIndicator", "BatchDeleteIndicators")


def desired() -> List[Dict[str, str]]:
    return [
        {
            "indicatorValue": f"{i:064x}",
            "indicatorType": "FileSha256",
            "action": "Block",
            "severity": "High",
        }
        for i in range(1, N + 1)
    ]


def run() -> List[Row]:
    rows = []
    with EmulatorServer(Settings(limits="off")) as emu:
        service = IndicatorService(IndicatorsClient.from_config(ClientConfig.from_env(emu.env())))
        for case in ("first sync: creates 15,000 (baseline)", "second sync: nothing to change"):
            emu.admin("DELETE", "requests")
            started = time.perf_counter()
            plan = plan_sync(service, desired(), application=APP)
            apply_sync(service, plan)
            elapsed = time.perf_counter() - started
            log = emu.requests_log()
            figures = {
                "planned writes": plan.writes,
                "write calls": sum(e.get("op") in WRITES for e in log),
                "list calls": sum(e.get("op") == "ListIndicators" for e in log),
                "seconds": round(elapsed, 2),
            }
            rows.append(Row("sync", case, figures))
        rows[1].figures["x baseline time"] = round(
            rows[1].figures["seconds"] / rows[0].figures["seconds"], 2
        )
        rows[0].figures["x baseline time"] = 1.0
    return rows
