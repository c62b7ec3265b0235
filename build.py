#!/usr/bin/env python3
"""Build, verify and test the MDE indicators pack.

    python3 build.py          create .venv if needed, build every bundle into dist/, verify, run the demo
    python3 build.py test     run the whole test suite (pytest, ruff, mypy)
    python3 build.py bench    run the benchmarks and write benchmarks/RESULTS.md

Only this file runs on the system Python; everything else runs inside .venv.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / "mde-installed.sha256"
INPUTS = ("setup.cfg", "pyproject.toml", "packages/emulator/pyproject.toml")
# The build and the test kit are never installed: a .pth puts packages/ on the venv's path instead.
DEV_PATH = "mde-dev.pth"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def inputs_digest() -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_venv() -> Path:
    """Create .venv and install the pack with its dev extras when missing or out of date."""
    python = venv_python()
    if not python.exists():
        print(f"build.py: creating {VENV.relative_to(ROOT)}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    if not STAMP.exists() or STAMP.read_text().strip() != inputs_digest():
        print("build.py: installing the pack and its dev dependencies into .venv", flush=True)
        pip = [str(python), "-m", "pip", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
        subprocess.run(
            [*pip, "install", "-e", f"{ROOT}[dev]", "-e", str(ROOT / "packages" / "emulator")],
            check=True,
        )
        site = subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        Path(site, DEV_PATH).write_text(f"{ROOT / 'packages'}\n")
        STAMP.write_text(inputs_digest())
    return python


def main(argv: list) -> int:
    python = ensure_venv()
    command = argv[1:] or ["all"]
    return subprocess.call([str(python), "-m", "mde_indicators_build", *command], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
