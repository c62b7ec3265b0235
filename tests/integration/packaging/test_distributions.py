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
# The Splunk SOAR SDK's packager refuses these anywhere in an app's lock (DEPENDENCIES_TO_REJECT in
# splunk-soar-sdk); a SOAR app installs the core wheel, so they may not be in its dependency tree.
SOAR_REFUSED = ("simplejson", "django")
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


def test_the_core_alone_installs_nothing_a_splunk_soar_app_may_not_hold(core_venv: Path) -> None:
    names = installed_names(core_venv)
    assert [n for n in SOAR_REFUSED if n in names] == []
    assert "stix2" not in names  # it pulled simplejson in; the core reads STIX itself


def test_the_core_alone_reads_a_stix_bundle(core_venv: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "feed.stix.json"
    bundle.write_text(
        '{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [{'
        '"type": "indicator", "spec_version": "2.1", "pattern_type": "stix",'
        '"id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",'
        '"created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",'
        '"valid_from": "2024-01-01T00:00:00Z",'
        """"pattern": "[ipv4-addr:value IN ('185.220.101.4', '185.220.101.5')]"}]}"""
    )
    read = run(
        core_venv,
        "-c",
        "import sys; from mde_indicators.ops.inputs.readers import read_items; "
        "print([i['indicatorValue'] for i in read_items(sys.argv[1])])",
        str(bundle),
    )
    assert read.returncode == 0, read.stderr
    assert read.stdout.strip() == "['185.220.101.4', '185.220.101.5']"


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
