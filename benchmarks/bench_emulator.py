"""How fast the emulator serves lists and imports, and that their cost does not grow with the tenant's size
(it must never be the bottleneck): a 1-row list, a 1-row list by value, and imports of 1 and 500 new items,
each against an emulator holding 1,000 and one holding 15,000 indicators; a 10,000-row list.

Baseline in the same run: an empty list call (one HTTPS round trip with TLS handshake and token check).
An empty emulator and the two filled ones are called in turn, so load on the machine hits all alike.
"""

from __future__ import annotations

import itertools
from contextlib import ExitStack
from dataclasses import replace
from typing import Callable, Dict, List

from mde_emulator import EmulatorServer, Settings
from mde_indicators.client import IndicatorsClient
from mde_indicators.config import ClientConfig

from .common import Row, median, timed

SIZES = (1_000, 15_000)
BATCH = 500
CAP = 100_000  # above the documented 15,000 so that imports at 15,000 stored still create
UNTHROTTLED = 1e6


def connect(emu: EmulatorServer) -> IndicatorsClient:
    # The emulator's limits are off; the client's own rate budget (100 calls a minute) would make the
    # timings measure its waits instead of the emulator.
    config = replace(ClientConfig.from_env(emu.env()), rate_limit_scale=UNTHROTTLED)
    client = IndicatorsClient.from_config(config)
    for _ in range(5):  # connection, token and SQLite warm-up
        client.list_page(top=1)
    return client


def cases(
    client: IndicatorsClient, counter: itertools.count[int]
) -> Dict[str, Callable[[], object]]:
    def batch(size: int) -> List[Dict[str, str]]:
        return [
            {
                "indicatorValue": f"{next(counter):064x}",
                "indicatorType": "FileSha256",
                "action": "Block",
                "title": "t",
                "description": "d",
            }
            for _ in range(size)
        ]

    value = client.list_page(top=1)["value"][0]["indicatorValue"]
    return {
        "1-row list": lambda: client.list_page(top=1),
        "1-row list by value": lambda: client.list_page(
            filter=f"indicatorValue eq '{value}'", top=1
        ),
        "import of 1 new indicator": lambda: client.import_batch(batch(1)),
        f"import of {BATCH} new indicators": lambda: client.import_batch(batch(BATCH)),
    }


def run() -> List[Row]:
    counter = itertools.count(1)
    rows: List[Row] = []
    with ExitStack() as stack:
        empty_emu, *sized = (
            stack.enter_context(EmulatorServer(Settings(limits="off", cap=CAP))) for _ in range(3)
        )
        empty_list = connect(empty_emu).list_page
        calls = {}
        for size, emu in zip(SIZES, sized):
            emu.admin("POST", "seed", {"clientId": emu.default_app.client_id, "count": size})
            client = connect(emu)
            assert sum(1 for _ in client.iter_indicators()) == size
            calls[size] = cases(client, counter)
        empty: List[float] = []
        times: Dict[int, Dict[str, List[float]]] = {size: {} for size in SIZES}
        for case in calls[SIZES[0]]:
            repeat = 15 if case.startswith(f"import of {BATCH}") else 41
            for _ in range(repeat):
                empty.extend(timed(lambda: empty_list(top=1), repeat=1))
                for size in SIZES:
                    times[size].setdefault(case, []).extend(timed(calls[size][case], repeat=1))
        rows.append(Row("emulator", "empty list call (baseline)", figure(empty, empty)))
        for case in calls[SIZES[0]]:
            low, high = (times[size][case] for size in SIZES)
            rows.append(Row("emulator", f"{case}, {SIZES[0]:,} stored", figure(low, empty)))
            rows.append(
                Row("emulator", f"{case}, {SIZES[1]:,} stored",
                    {**figure(high, empty),
                     f"x the {SIZES[0]:,} case": round(median(high) / median(low), 2)})
            )  # fmt: skip
        client = connect(sized[-1])
        full = timed(lambda: client.list_page(top=10_000), repeat=5)
        assert len(client.list_page(top=10_000)["value"]) == 10_000
        rows.append(Row("emulator", "list of 10,000 rows", figure(full, empty)))
    return rows


def figure(times: List[float], baseline: List[float]) -> Dict[str, float]:
    """Median and fastest run (the fastest shows the cost with the least noise from other load)."""
    return {
        "median ms": round(median(times) * 1000, 1),
        "fastest ms": round(min(times) * 1000, 1),
        "x baseline": round(median(times) / median(baseline), 1),
    }
