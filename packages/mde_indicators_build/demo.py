"""The end-to-end demo `python3 build.py` ends with: every built bundle against the embedded emulator.

CLI import of a sample file, the built Splunk app's `mdesubmit` over the search command protocol, the
Sentinel Submit playbook on a sample incident, the SOAR bundle's import action on the same sample file
from the vault, then a listing and a summary table.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Tuple

from rich.console import Console
from rich.table import Table

from mde_emulator import EmulatorServer, Settings
from mde_testkit.ci import strict
from mde_testkit.interpreters import SPLUNK_PYTHONS, find_python

from .paths import DIST, ROOT

SAMPLES = ROOT / "samples"
Step = Tuple[str, str, Dict[str, int]]


def cli(env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mde_indicators.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def cli_import(env: Dict[str, str]) -> Step:
    done = cli(env, "import", str(SAMPLES / "indicators.csv"), "--expiration", "30d", "--json")
    summary = json.loads(done.stdout)["summary"]
    return "CLI", f"mde-indicators import indicators.csv (exit {done.returncode})", summary


def splunk_submit(emulator: EmulatorServer, work: Path) -> Step:
    from mde_testkit.splunk.harness import SplunkHarness, install

    from .splunk import spl_path

    python = next((p for p in map(find_python, reversed(SPLUNK_PYTHONS)) if p), None)
    if python is None:
        wanted = " or ".join(reversed(SPLUNK_PYTHONS))
        if strict():
            raise SystemExit(
                f"the Splunk step needs Python {wanted}, as Splunk runs the app on them"
            )
        print(
            f"Python {wanted} not found (pyenv install): the Splunk step runs on {sys.version[:4]}"
        )
        python = sys.executable
    app = install(spl_path(), work / "apps")
    with open(SAMPLES / "splunk-edr-results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    search = (
        'mdesubmit field=sha256 action=Block severity=High expiration=30d title="EDR detection"'
    )
    with SplunkHarness(app, python, work / "splunk", emulator.env()) as splunk:
        run = splunk.run(search, rows, chunk_size=3)
    if run.returncode != 0:
        raise SystemExit(f"mdesubmit failed: {run.errors() or run.stderr[-500:]}")
    version = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (
        "Splunk",
        f"| {search}  ({len(rows)} rows, Python {version})",
        dict(Counter(r["mde_status"] for r in run.rows)),
    )


def sentinel_submit(emulator: EmulatorServer) -> Step:
    from mde_testkit.logicapps.offline import EmulatorHttp, load_sample, run_playbook

    from .sentinel import SUBMIT_FOR_TRIGGER, playbook

    incident = load_sample(SAMPLES / "sentinel-incident.json")
    result, sentinel = run_playbook(
        playbook(SUBMIT_FOR_TRIGGER["incident"]).template, incident, EmulatorHttp(emulator.env())
    )
    message = sentinel.comments[0]["message"] if sentinel.comments else ""
    accepted = message.count("<td>accepted")
    failed = message.count("<td>failed")
    protected = message.count("<td>protected")
    counts = {"submitted": accepted, "failed": failed, "protected": protected}
    return (
        "Sentinel",
        f"Submit-MDEIndicators on a sample incident (run {result.status})",
        {status: n for status, n in counts.items() if n},
    )


def soar_import(emulator: EmulatorServer, work: Path) -> Step:
    """The built SOAR bundle, installed from its own wheels, imports the sample CSV from the vault."""
    from mde_testkit.soar.harness import SoarRunner, asset_for

    from . import soar

    installed = soar.install(soar.tgz_path(), work / "soar")
    asset = asset_for(
        emulator.env(), Path(emulator.ca_file).read_text(), application="Splunk SOAR demo"
    )
    runner = SoarRunner(installed.python, installed.app_dir, work / "soar-runs", asset)
    params = {"vault_id": "{vault:0}", "expiration": "30d", "severity": "Medium"}
    run = runner.run("import_indicators", params, vault=[SAMPLES / "indicators.csv"])
    if not run.results:
        raise SystemExit(f"SOAR import failed: {run.output[-500:]}")
    return (
        "SOAR",
        f"import indicators from a vault file (indicators.csv; action {'succeeded' if run.success else 'failed'})",
        dict(Counter(r["status"] for r in run.data)),
    )


@dataclass
class DemoRun:
    """What the demo did: each step's summary, the indicators listed back, the API calls by operation."""

    steps: List[Step]
    listed: List[Dict[str, Any]]
    calls: Counter


def collect(console: Console) -> DemoRun:
    steps: List[Step] = []
    with (
        EmulatorServer(Settings(limits="documented")) as emulator,
        tempfile.TemporaryDirectory() as tmp,
    ):
        env = dict(os.environ, **emulator.env(), NO_PROXY="127.0.0.1,localhost")
        console.print(
            f"emulator on {emulator.base_url}: documented rate limits, TLS with a local CA, msal sign-in"
        )
        for step in (
            lambda: cli_import(env),
            lambda: splunk_submit(emulator, Path(tmp)),
            lambda: sentinel_submit(emulator),
            lambda: soar_import(emulator, Path(tmp)),
        ):
            steps.append(step())
            console.print(f" - {steps[-1][0]}: {steps[-1][1]} -> {steps[-1][2]}")
        listed = json.loads(cli(env, "list", "--json").stdout)
        calls = Counter(
            e["op"]
            for e in emulator.requests_log()
            if e.get("op", "").endswith(("Indicators", "Indicator"))
        )
    return DemoRun(steps, listed, calls)


def run() -> int:
    started = time.monotonic()
    console = Console(width=max(110, Console().width))
    console.print(
        "\n[bold]== demo: the built pack against the embedded MDE emulator (no tenant needed)[/]"
    )
    demo = collect(console)
    table = Table(title="Demo summary")
    for column in ("source", "what ran", "results"):
        table.add_column(column)
    for source, what, summary in demo.steps:
        table.add_row(source, what, ", ".join(f"{n} {s}" for s, n in sorted(summary.items())))
    by_type = Counter(r["indicatorType"] for r in demo.listed)
    table.add_row(
        "MDE",
        "mde-indicators list",
        f"{len(demo.listed)} indicators: "
        + ", ".join(f"{n} {t}" for t, n in sorted(by_type.items())),
    )
    console.print(table)
    console.print(
        "API calls: "
        + ", ".join(f"{n} {op}" for op, n in sorted(demo.calls.items()))
        + f"; bundles in {DIST.relative_to(ROOT)}/"
    )
    ok = all(s[2].get("submitted", 0) > 0 for s in demo.steps) and len(demo.listed) > 0
    console.print(f"demo {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.1f}s")
    return 0 if ok else 1
