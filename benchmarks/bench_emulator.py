"""How fast the emulator serves a 500-item import and a 10,000-row list (it must never be the bottleneck).

Baseline in the same run: an empty list call (one HTTPS round trip with TLS handshake and token check).
"""

from __future__ import annotations

from typing import List

from mde_emulator import EmulatorServer, Settings
from mde_indicators.client import IndicatorsClient
from mde_indicators.config import ClientConfig

from .common import Row, median, timed


def run() -> List[Row]:
    with EmulatorServer(Settings(limits="off")) as emu:
        client = IndicatorsClient.from_config(ClientConfig.from_env(emu.env()))
        client.list_page()
        empty = median(timed(lambda: client.list_page(top=1), repeat=20))
        batch = [
            {
                "indicatorValue": f"{n:064x}",
                "indicatorType": "FileSha256",
                "action": "Block",
                "title": "t",
                "description": "d",
            }
            for n in range(500)
        ]
        import_times = timed(lambda: client.import_batch(batch), repeat=7)
        emu.admin("POST", "seed", {"clientId": emu.default_app.client_id, "count": 9500})
        list_times = timed(lambda: client.list_page(top=10_000), repeat=5)
        assert len(client.list_page(top=10_000)["value"]) == 10_000
    return [
        Row(
            "emulator",
            "empty list call (baseline)",
            {"median ms": round(empty * 1000, 1), "x baseline": 1.0},
        ),
        Row(
            "emulator",
            "import of 500 indicators",
            {
                "median ms": round(median(import_times) * 1000, 1),
                "x baseline": round(median(import_times) / empty, 1),
            },
        ),
        Row(
            "emulator",
            "list of 10,000 rows",
            {
                "median ms": round(median(list_times) * 1000, 1),
                "x baseline": round(median(list_times) / empty, 1),
            },
        ),
    ]
