"""The Python 3.13 toolchain the SOAR app needs: pyenv's (or PATH's) 3.13, uv from the build venv, and the
app project's own venv (packages/mde_soar/.venv) synced from its committed uv.lock.

uv never downloads an interpreter here (UV_PYTHON_DOWNLOADS=never): CI reaches package registries only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import tomllib

from mde_testkit.interpreters import find_python

from ..paths import ROOT

PROJECT = ROOT / "packages" / "mde_soar"
SDK_PYTHON = "3.13"


class ToolchainError(SystemExit):
    pass


def python313() -> str:
    found = find_python(SDK_PYTHON)
    if found is None:
        raise ToolchainError(
            f"The SOAR app needs Python {SDK_PYTHON} (splunk-soar-sdk requires it): install it, e.g. "
            f"`pyenv install {SDK_PYTHON}`, or put python{SDK_PYTHON} on PATH."
        )
    return found


def uv() -> str:
    tool = Path(sys.executable).with_name("uv")
    if not tool.exists():
        raise ToolchainError(
            f"uv is missing from {tool.parent}; rerun `python3 build.py` to install it."
        )
    return str(tool)


def uv_env() -> Dict[str, str]:
    return {
        **os.environ,
        "UV_PYTHON": python313(),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_PROGRESS": "1",
    }


def run_uv(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [uv(), *args, "--project", str(PROJECT)],
        env=uv_env(), capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    if done.returncode != 0:
        raise ToolchainError(f"uv {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done


_synced: List[str] = []


def app_python() -> str:
    """The app project's venv, synced to uv.lock (once per process), with the core rebuilt from the
    working tree.

    The sync is --frozen: changes to the core's extras do not matter to the app. A new runtime requirement
    of the core does, and the bundle check's `pip check` names it; then run
    `UV_PYTHON=<python3.13> .venv/bin/uv lock --project packages/mde_soar` and commit uv.lock."""
    if not _synced:
        run_uv("sync", "--frozen", "--reinstall-package", "mde-indicators")
        _synced.append(str(PROJECT / ".venv" / "bin" / "python"))
    return _synced[0]


def left_out() -> List[str]:
    """Requirements the app's lock drops on purpose: override-dependencies that never apply."""
    data = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    overrides = data.get("tool", {}).get("uv", {}).get("override-dependencies", [])
    return [o.split(";")[0].strip() for o in overrides if "sys_platform == 'never'" in o]
