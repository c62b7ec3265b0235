"""The `soar` build target: the Splunk SOAR app as dist/splunk-soar-mde-indicators-<version>.tgz.

Build: sync the app's 3.13 venv from uv.lock, then the SDK's own package step (through sdk_package.py:
cached, bounded, retried wheel downloads; the core built from this repository). Verify: the manifest's
actions, parameters and data paths against the committed golden contract, every wheel present and none
refused, then an install from the bundle's wheels alone into a fresh 3.13 venv that runs test connectivity
against a fresh emulator.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any, Dict, List

from ..paths import BUILD, DIST, version
from . import bundle, toolchain

APP = "mde_indicators_soar"
WORK = BUILD / "soar"
CACHE = WORK / "wheel-cache"
SDK_PACKAGE = Path(__file__).with_name("sdk_package.py")
GOLDEN = toolchain.PROJECT / "manifest.golden.json"


def tgz_path() -> Path:
    return DIST / f"splunk-soar-mde-indicators-{version()}.tgz"


def sdk(python: str, *args: str) -> subprocess.CompletedProcess:
    """soarapps (with the robust fetch) in the app's venv."""
    done = subprocess.run(
        [python, str(SDK_PACKAGE), str(CACHE), "--", *args],
        cwd=toolchain.ROOT, env=toolchain.uv_env(), capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(
            f"soarapps {' '.join(args)} failed:\n{(done.stdout + done.stderr)[-4000:]}"
        )
    return done


def build() -> List[Path]:
    python = toolchain.app_python()
    WORK.mkdir(parents=True, exist_ok=True)
    partial = WORK / f"{APP}.tgz.part"
    partial.unlink(missing_ok=True)
    sdk(python, "package", "build", str(toolchain.PROJECT), "-o", str(partial))
    DIST.mkdir(exist_ok=True)
    for old in DIST.glob("splunk-soar-mde-indicators-*.tgz"):
        old.unlink()
    target = tgz_path()
    os.replace(partial, target)
    return [target]


def manifest_of(path: Path) -> Dict[str, Any]:
    with tarfile.open(path) as tar:
        member = tar.extractfile(f"{APP}/manifest.json")
        if member is None:
            raise SystemExit(f"{path.name}: no {APP}/manifest.json")
        return dict(json.loads(member.read()))


def check_golden(manifest: Dict[str, Any]) -> List[str]:
    """Differences between the manifest's contract and the golden one (UPDATE_GOLDEN=1 rewrites it)."""
    found = bundle.contract(manifest)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(found, indent=2, sort_keys=True) + "\n")
    expected = json.loads(GOLDEN.read_text())
    return bundle.contract_differences(expected, found)


def verify(paths: List[Path]) -> None:
    (path,) = paths
    manifest = manifest_of(path)
    problems = bundle.manifest_problems(manifest, version()) + bundle.member_problems(
        path, manifest
    )
    problems += check_golden(manifest)
    if problems:
        raise SystemExit(f"{path.name}:\n  " + "\n  ".join(problems[:20]))
    work = WORK / "verify"
    shutil.rmtree(work, ignore_errors=True)
    installed = install(path, work)
    run = bundle.connectivity_against_emulator(installed, work)
    if not run.success:
        raise SystemExit(
            f"{path.name}: test connectivity from the installed bundle failed:\n{run.output[-3000:]}"
        )


def install(path: Path, work: Path) -> bundle.Installed:
    """Unpack the bundle and install its wheels (plus the platform-provided set) into a fresh 3.13 venv."""
    platform = WORK / "platform-wheels"
    sdk(toolchain.app_python(), "platform-wheels", str(toolchain.PROJECT), str(platform))
    return bundle.install(path, work, toolchain.python313(), platform, toolchain.left_out())
