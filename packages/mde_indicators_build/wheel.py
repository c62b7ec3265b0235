"""Build the pack's wheel into dist/ and check it holds the schema and the console script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from typing import List

from .paths import DIST, ROOT


def build() -> List[Path]:
    DIST.mkdir(exist_ok=True)
    for old in DIST.glob("mde_indicators-*.whl"):
        old.unlink()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(DIST),
            str(ROOT),
        ],
        check=True,
    )
    return sorted(DIST.glob("mde_indicators-*.whl"))


def verify(paths: List[Path]) -> None:
    (path,) = paths
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        scripts = zf.read(entry_points).decode()
    required = {
        "mde_indicators/data/indicators-1.json",
        "mde_indicators/client.py",
        "mde_emulator/__init__.py",
    }
    missing = sorted(required - names)
    if missing:
        raise SystemExit(f"{path.name} lacks {', '.join(missing)}")
    if "mde-indicators = mde_indicators.cli:main" not in scripts:
        raise SystemExit(f"{path.name} does not declare the mde-indicators console script")
