"""The end-to-end demo `python3 build.py` ends with: the built pack against the embedded emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Dict, List

from mde_emulator import EmulatorServer, Settings

from .paths import ROOT

SAMPLE_CSV = ROOT / "samples" / "indicators.csv"


def cli(env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mde_indicators", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run() -> int:
    started = time.monotonic()
    print("\n== demo: the pack against the embedded MDE emulator (no tenant needed)", flush=True)
    with EmulatorServer(Settings(limits="documented")) as emulator:
        env = dict(os.environ, **emulator.env(), NO_PROXY="127.0.0.1,localhost")
        print(
            f"emulator listening on {emulator.base_url} (documented rate limits, TLS with a local CA)"
        )
        steps: List[str] = []
        imported = cli(env, "import", str(SAMPLE_CSV), "--expiration", "30d", "--json")
        summary = json.loads(imported.stdout)["summary"]
        steps.append(
            f"CLI import of {SAMPLE_CSV.name}: {summary} (exit {imported.returncode}, 1 = some rows invalid)"
        )
        listed = cli(env, "list", "--json")
        rows = json.loads(listed.stdout)
        steps.append(f"CLI list: {len(rows)} indicators in MDE")
        for line in steps:
            print(" -", line)
        calls = [
            e
            for e in emulator.requests_log()
            if e.get("op") not in ("oidc", "token", "jwks", "msi")
        ]
        print(f"API calls made: {len(calls)} ({', '.join(sorted({e['op'] for e in calls}))})")
    ok = imported.returncode in (0, 1) and listed.returncode == 0 and rows
    print(f"demo {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.1f}s", flush=True)
    return 0 if ok else 1
