"""Build the core wheel and the emulator's wheel into dist/ and check what each holds and requires.

The core wheel is what every adapter installs (the CLI, a SOAR app): it must hold the runtime core and
the CLI only, and require none of the emulator's server stack. The emulator's wheel plugs its verb into
the core CLI by entry point.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, List

from .paths import DIST, ROOT

EMULATOR = ROOT / "packages" / "emulator"
# (distribution file prefix, source folder)
WHEELS = (("mde_indicators", ROOT), ("mde_indicators_emulator", EMULATOR))
# The emulator's server stack: none of it may be a requirement of the core wheel.
SERVER_STACK = ("werkzeug", "cheroot", "odata-query", "trustme")
NEVER_PACKAGED = ("mde_indicators_build/", "mde_testkit/", "mde_emulator/", "tests/")


def build(dist: Path = DIST) -> List[Path]:
    """The core wheel and the emulator's wheel, in that order."""
    dist.mkdir(parents=True, exist_ok=True)
    built = []
    for prefix, source in WHEELS:
        for old in dist.glob(f"{prefix}-*.whl"):
            old.unlink()
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
             "-w", str(dist), str(source)],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        built += sorted(dist.glob(f"{prefix}-*.whl"))
    # setuptools builds in the source tree; the emulator's own folder must not keep that.
    shutil.rmtree(EMULATOR / "build", ignore_errors=True)
    return built


def metadata(path: Path) -> Dict[str, List[str]]:
    """The wheel's METADATA headers (repeated ones as lists) and its entry_points.txt lines."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        meta = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        eps = next((n for n in names if n.endswith(".dist-info/entry_points.txt")), None)
        entry_points = zf.read(eps).decode() if eps else ""
    found: Dict[str, List[str]] = {"files": names, "entry_points": entry_points.splitlines()}
    for line in meta.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(": ")
        found.setdefault(key, []).append(value)
    return found


def core_problems(path: Path) -> List[str]:
    data = metadata(path)
    problems = [f"holds {name}" for name in data["files"] if name.startswith(NEVER_PACKAGED)]
    for required in ("mde_indicators/data/indicators-1.json", "mde_indicators/client.py"):
        if required not in data["files"]:
            problems.append(f"lacks {required}")
    for req in data.get("Requires-Dist", []):
        name = re.split(r"[\s\[<>=!~;]", req, maxsplit=1)[0].lower()
        if name in SERVER_STACK and "extra ==" not in req:
            problems.append(f"requires {name}, part of the emulator's server stack")
    if "mde-indicators = mde_indicators.cli:main" not in data["entry_points"]:
        problems.append("does not declare the mde-indicators console script")
    version = path.name.split("-")[1]
    if f'mde-indicators-emulator=={version}; extra == "emulator"' not in data.get(
        "Requires-Dist", []
    ):
        problems.append(f"its [emulator] extra does not pin mde-indicators-emulator=={version}")
    return problems


def emulator_problems(path: Path, core_version: str) -> List[str]:
    data = metadata(path)
    problems = [
        f"holds {n}"
        for n in data["files"]
        if not n.startswith(("mde_emulator/", "mde_indicators_emulator-"))
    ]
    if "emulator = mde_emulator.cli:emulator" not in data["entry_points"]:
        problems.append("does not register the emulator verb for the core CLI")
    if f"mde-indicators=={core_version}" not in data.get("Requires-Dist", []):
        problems.append(f"does not require mde-indicators=={core_version}")
    return problems


def verify(paths: List[Path]) -> None:
    core, emulator = paths
    version = core.name.split("-")[1]
    if emulator.name.split("-")[1] != version:
        raise SystemExit(
            f"{emulator.name}: the emulator is released in step with the core {version}"
        )
    for path, problems in (
        (core, core_problems(core)),
        (emulator, emulator_problems(emulator, version)),
    ):
        if problems:
            raise SystemExit(f"{path.name}: " + "; ".join(problems))
