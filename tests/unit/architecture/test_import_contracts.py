"""Imports only point down: the contracts in setup.cfg [importlinter], checked by import-linter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TOOL = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(root / p) for p in (".", "packages", "packages/emulator", "splunk_app/lib")]
        ),
    }
    return subprocess.run(
        [str(TOOL), "--config", str(root / "setup.cfg"), "--no-cache"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_every_import_contract_is_kept() -> None:
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packages, the Splunk library and the tests, copied so that a defect can be planted."""
    root = tmp_path_factory.mktemp("contracts")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "data", ".venv")
    for part in ("packages", "splunk_app/lib", "tests"):
        shutil.copytree(ROOT / part, root / part, ignore=ignore)
    shutil.copy(ROOT / "setup.cfg", root / "setup.cfg")
    return root


@pytest.mark.parametrize(
    ("module", "planted", "broken"),
    [
        (
            "packages/mde_indicators/values.py",
            "from mde_indicators.cli import main",
            "runtime-core",
        ),
        (
            "packages/mde_indicators/service.py",
            "from mde_indicators.ops import profiles",
            "runtime-core",
        ),
        ("packages/mde_indicators/client.py", "import mde_emulator", "runtime-core"),
        (
            "packages/mde_indicators/ops/profiles.py",
            "from mde_indicators import cli",
            "runtime-core",
        ),
        (
            "splunk_app/lib/mde_splunk/rows.py",
            "from mde_indicators.ops.inputs import readers",
            "splunk-app",
        ),
        ("splunk_app/lib/mde_splunk/rows.py", "from mde_indicators.cli import output", "adapters"),
        (
            "packages/emulator/mde_emulator/store.py",
            "from mde_indicators.ops import profiles",
            "emulator",
        ),
        (
            "packages/mde_testkit/interpreters.py",
            "import mde_indicators_build",
            "testkit-not-build",
        ),
        ("packages/mde_soar/src/outcome.py", "from mde_indicators.cli import output", "soar-app"),
        ("packages/mde_soar/src/lock.py", "import mde_emulator", "soar-app"),
        ("packages/mde_soar/src/settings.py", "from mde_splunk import rows", "adapters"),
    ],
)
def test_a_planted_upward_import_breaks_a_contract(
    tree_copy: Path, module: str, planted: str, broken: str
) -> None:
    path = tree_copy / module
    original = path.read_text()
    path.write_text(original + f"\n{planted}  # planted\n")
    try:
        run = lint_imports(tree_copy)
    finally:
        path.write_text(original)
    assert run.returncode != 0
    names = {
        "runtime-core": "The core imports no adapter",
        "splunk-app": "The Splunk app uses only the runtime core",
        "adapters": "Adapters import the core, never each other",
        "emulator": "The emulator imports only the core's runtime",
        "testkit-not-build": "The test kit is below the build",
        "soar-app": "The SOAR app uses the core (runtime and ops), never the CLI",
    }
    assert f"{names[broken]}" in run.stdout
    assert "BROKEN" in run.stdout
