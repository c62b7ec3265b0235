"""`mdesubmit` over 10k, 100k and 1M rows vs a no-op splunklib streaming command, both driven through the
chunked protocol as splunkd does: the command process's CPU time (ratio) and peak RSS.

mdesubmit really submits (to the emulator, limits off): validation, de-duplication, import calls of 500.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

from mde_emulator import EmulatorServer, Settings
from mde_indicators_build.splunk import spl_path
from mde_testkit.interpreters import find_python
from mde_testkit.splunk.harness import SplunkHarness, install

from .common import Row

HERE = Path(__file__).resolve().parent
SIZES = (10_000, 100_000, 1_000_000)


def wrapper(work: Path, python: str) -> str:
    """An 'interpreter' for the driver that runs the script under rusage_wrap.py."""
    path = work / "python-rusage"
    path.write_text(f'#!/bin/sh\nexec "{python}" "{HERE / "rusage_wrap.py"}" "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def rows(n: int) -> List[Dict[str, str]]:
    return [
        {
            "host": f"ws-{i % 500:04d}",
            "sha256": hashlib.sha256(str(i).encode()).hexdigest(),
            "count": str(i % 17),
        }
        for i in range(n)
    ]


def measure(
    splunk: SplunkHarness, command: str, data: List[Dict[str, str]], usage: Path
) -> Dict[str, float]:
    os.environ["MDE_BENCH_RUSAGE"] = str(usage)
    splunk.env["MDE_BENCH_RUSAGE"] = str(usage)
    run = splunk.run(command, data, chunk_size=50_000, user="admin")
    assert run.returncode == 0 and len(run.rows) == len(data), (
        run.returncode,
        run.errors(),
        run.stderr[-500:],
    )
    figures = json.loads(usage.read_text())
    figures["statuses"] = len({r.get("mde_status") for r in run.rows} - {None})
    return figures


def run() -> List[Row]:
    python = find_python("3.13") or find_python("3.9") or sys.executable
    out: List[Row] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmulatorServer(Settings(limits="off", cap=2_000_000)) as emu,
    ):
        work = Path(tmp)
        app = install(spl_path(), work / "apps")
        shutil.copy(HERE / "noop.py", app / "bin" / "noop.py")
        with SplunkHarness(app, wrapper(work, python), work / "splunk", emu.env()) as splunk:
            for n in SIZES:
                data = rows(n)
                base = measure(splunk, "noop", data, work / "noop.json")
                mine = measure(
                    splunk,
                    "mdesubmit field=sha256 action=Block severity=High",
                    data,
                    work / "submit.json",
                )
                out.append(
                    Row(
                        "mdesubmit",
                        f"{n:,} rows, no-op command (baseline)",
                        {"CPU x baseline": 1.0, "peak RSS MB": round(base["maxrss_kb"] / 1024)},
                    )
                )
                out.append(
                    Row(
                        "mdesubmit",
                        f"{n:,} rows, mdesubmit (submits all)",
                        {
                            "CPU x baseline": round(mine["cpu"] / base["cpu"], 2),
                            "peak RSS MB": round(mine["maxrss_kb"] / 1024),
                        },
                    )
                )
                emu.admin("POST", "reset")
    return out
