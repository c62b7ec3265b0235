"""How long `mde-indicators --help` (and a verb's --help) takes to start, against the interpreter alone.

Baseline in the same run: `python -c pass` with the same venv interpreter (site, .pth files and all).
Runs interleave so load on the machine hits both sides alike; the figure is the median wall time.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

from .common import Row, median

RUNS = 21
SCRIPT = Path(sys.executable).with_name("mde-indicators")
CASES = {
    "python -c pass (baseline)": [sys.executable, "-c", "pass"],
    "mde-indicators --help": [str(SCRIPT), "--help"],
    "mde-indicators import --help": [str(SCRIPT), "import", "--help"],
    "mde-indicators sync --help": [str(SCRIPT), "sync", "--help"],
}


def wall(command: List[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def run() -> List[Row]:
    times: Dict[str, List[float]] = {case: [] for case in CASES}
    for command in CASES.values():  # warm the page cache and .pyc files
        wall(command)
    for _ in range(RUNS):
        for case, command in CASES.items():
            times[case].append(wall(command))
    base = median(times["python -c pass (baseline)"])
    rows = []
    for case, values in times.items():
        took = median(values)
        rows.append(
            Row("cli startup", case, {
                "median ms": round(took * 1000, 1),
                "ms over baseline": round((took - base) * 1000, 1),
                "x baseline": round(took / base, 1),
            })
        )  # fmt: skip
    return rows
