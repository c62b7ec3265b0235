"""The core wheel alone in a fresh venv: no emulator server stack, a working CLI that names how to get the
emulator; the [emulator] extra (the emulator's own wheel) makes the verb work."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path
from typing import List

import pytest

from mde_indicators_build import wheel

SERVER_STACK = ("werkzeug", "cheroot", "odata-query", "trustme")
pytestmark = pytest.mark.slow


def run(python: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> List[Path]:
    return wheel.build(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def core_venv(tmp_path_factory: pytest.TempPathFactory, wheels: List[Path]) -> Path:
    home = tmp_path_factory.mktemp("core-venv")
    venv.EnvBuilder(with_pip=True).create(home)
    python = home / "bin" / "python"
    installed = run(
        python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheels[0])
    )
    assert installed.returncode == 0, installed.stderr
    return python


def installed_names(python: Path) -> List[str]:
    listed = run(python, "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check")
    return [line.split("==")[0].lower().replace("_", "-") for line in listed.stdout.splitlines()]


def test_the_core_wheel_holds_no_emulator_build_or_test_kit(wheels: List[Path]) -> None:
    files = wheel.metadata(wheels[0])["files"]
    assert any(f.startswith("mde_indicators/") for f in files)
    assert not [f for f in files if f.startswith(wheel.NEVER_PACKAGED)]
    assert wheel.core_problems(wheels[0]) == []


def test_the_core_alone_installs_none_of_the_emulator_stack(core_venv: Path) -> None:
    names = installed_names(core_venv)
    assert "mde-indicators" in names
    assert [n for n in SERVER_STACK if n in names] == []


def test_the_cli_runs_and_loads_no_emulator_module(core_venv: Path) -> None:
    helped = run(core_venv.with_name("mde-indicators"), "--help")
    assert helped.returncode == 0, helped.stderr
    assert "emulator" in helped.stdout
    probe = run(
        core_venv,
        "-c",
        "import sys, mde_indicators.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('mde_emulator', 'werkzeug', 'cheroot', 'mde_indicators_build', 'mde_testkit')))",
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "[]"


def test_without_the_extra_the_emulator_verb_says_how_to_install_it(core_venv: Path) -> None:
    missing = run(core_venv.with_name("mde-indicators"), "emulator")
    assert missing.returncode == 2
    lines = missing.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "pip install 'mde-indicators[emulator]'" in lines[0]


def test_the_emulator_extra_makes_the_verb_work(
    tmp_path_factory: pytest.TempPathFactory, wheels: List[Path]
) -> None:
    home = tmp_path_factory.mktemp("emulator-venv")
    venv.EnvBuilder(with_pip=True).create(home)
    python = home / "bin" / "python"
    core = wheels[0]
    installed = run(
        python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
        "--find-links", str(core.parent), f"{core}[emulator]",
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    assert [n for n in SERVER_STACK if n not in installed_names(python)] == []
    helped = run(home / "bin" / "mde-indicators", "emulator", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "--limits" in helped.stdout
