"""`python3 build.py test`: lint, format check, type check and the whole pytest suite."""

from __future__ import annotations

import subprocess
import sys
from typing import List

from .paths import ROOT

CHECKS = [
    ("ruff lint", [sys.executable, "-m", "ruff", "check", "."]),
    ("ruff format", [sys.executable, "-m", "ruff", "format", "--check", "."]),
    ("mypy (core)", [sys.executable, "-m", "mypy", "--config-file", "setup.cfg"]),
]


def run(pytest_args: List[str]) -> int:
    failed = []
    for name, command in CHECKS:
        print(f"== {name}", flush=True)
        if subprocess.call(command, cwd=ROOT) != 0:
            failed.append(name)
    print("== pytest", flush=True)
    if subprocess.call([sys.executable, "-m", "pytest", *pytest_args], cwd=ROOT) != 0:
        failed.append("pytest")
    if failed:
        print(f"FAILED: {', '.join(failed)}", flush=True)
        return 1
    print("all checks passed", flush=True)
    return 0
