"""`python3 build.py test`: lint and types, then pytest: the tests, the bundle checks on dist/ and the demo.

    python3 build.py test               everything; what CI runs (.ci/run, with CI=true: no skips allowed)
    python3 build.py test ARGS          lint and types, then pytest ARGS (-m sentinel, tests/contract, -k x)
    python3 build.py test --fast        no lint or types; pytest -m "not bundle and not reliability ..."
    python3 build.py test --fast ARGS   pytest ARGS only (with that -m unless ARGS has -m or a path)

The bundle checks build dist/ first unless the bundles there match their inputs (mde_indicators_build.fresh).
The run ends with what ran per group: lint/types, tests, bundle checks and the demo.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

from mde_testkit.ci import strict

from .paths import ROOT

CHECKS = [
    ("ruff lint", [sys.executable, "-m", "ruff", "check", "."]),
    ("ruff format", [sys.executable, "-m", "ruff", "format", "--check", "."]),
    ("mypy", [sys.executable, "-m", "mypy", "--config-file", "setup.cfg"]),
]
FAST_MARKERS = "not bundle and not reliability and not splunk and not slow"
GROUPS = ("tests", "bundle checks", "demo")


def lint_and_types() -> Tuple[List[str], List[str]]:
    ran, failed = [], []
    for name, command in CHECKS:
        print(f"== {name}", flush=True)
        started = time.monotonic()
        ok = subprocess.call(command, cwd=ROOT) == 0
        ran.append(f"{name} {'ok' if ok else 'FAILED'} ({time.monotonic() - started:.1f}s)")
        if not ok:
            failed.append(name)
    return ran, failed


def pytest(args: List[str]) -> Tuple[int, Dict[str, Dict[str, Dict[str, int]]], List[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp, "groups.json")
        env = dict(os.environ, MDE_TEST_REPORT=str(report))
        print(f"== pytest {' '.join(args)}".rstrip(), flush=True)
        code = subprocess.call([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env)
        data = json.loads(report.read_text("utf-8")) if report.exists() else {}
    return code, data.get("counts", {}), data.get("notes", [])


def chosen(args: List[str]) -> bool:
    """Whether the pytest arguments already choose tests (a marker expression or a path)."""
    return "-m" in args or any((ROOT / a.split("::", 1)[0]).exists() for a in args if a[:1] != "-")


def summary(outcomes: Dict[str, Dict[str, int]]) -> str:
    if not outcomes:
        return "not run"
    return ", ".join(
        f"{sum(subs.values())} {outcome}" for outcome, subs in sorted(outcomes.items()) if subs
    )


def run(args: List[str]) -> int:
    fast = "--fast" in args
    args = [a for a in args if a != "--fast"]
    if fast and not chosen(args):
        args = ["-m", FAST_MARKERS, *args]
    ran, failed = ([], []) if fast else lint_and_types()
    code, counts, notes = pytest(args)
    if code != 0:
        failed.append("pytest")
    missing = [g for g in GROUPS if not counts.get(g, {}).get("passed")]
    if strict() and not args and missing:
        failed.append(f"CI runs every group, but nothing passed in: {', '.join(missing)}")
    print("\n== what ran", flush=True)
    print(f"{'lint/types':14} {'; '.join(ran) if ran else 'skipped (--fast)'}")
    for group in GROUPS:
        print(f"{group:14} {summary(counts.get(group, {}))}")
    for note in notes:
        print(f"{'':14} {note}")
    if failed:
        print(f"FAILED: {'; '.join(failed)}", flush=True)
        return 1
    print("all checks passed", flush=True)
    return 0
