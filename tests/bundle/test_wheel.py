"""The wheels in dist/ pass the wheel checks `python3 build.py` runs, and those checks fail on a planted defect."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest

from mde_indicators_build import wheel
from tests.bundle.planting import zip_copy


def passes(paths: List[Path]) -> None:
    try:
        wheel.verify(paths)
    except SystemExit as exc:
        pytest.fail(str(exc))


def test_the_built_wheels_pass_every_wheel_check(bundles: Dict[str, List[Path]]) -> None:
    core, emulator = bundles["wheel"]
    version = core.name.split("-")[1]
    assert wheel.core_problems(core) == []
    assert wheel.emulator_problems(emulator, version) == []
    passes(bundles["wheel"])


def test_a_core_wheel_shipping_the_build_package_fails(
    bundles: Dict[str, List[Path]], tmp_path: Path
) -> None:
    core, _ = bundles["wheel"]
    planted = zip_copy(
        core, tmp_path / core.name, add={"mde_indicators_build/__init__.py": b'"""build"""\n'}
    )
    assert wheel.core_problems(planted) == ["holds mde_indicators_build/__init__.py"]


def test_a_core_wheel_requiring_the_emulator_server_stack_fails(
    bundles: Dict[str, List[Path]], tmp_path: Path
) -> None:
    core, _ = bundles["wheel"]

    def require_werkzeug(meta: bytes) -> bytes:
        return meta.replace(b"Requires-Dist: ", b"Requires-Dist: werkzeug>=3\nRequires-Dist: ", 1)

    planted = zip_copy(core, tmp_path / core.name, edit={".dist-info/METADATA": require_werkzeug})
    assert wheel.core_problems(planted) == [
        "requires werkzeug, part of the emulator's server stack"
    ]


def test_an_emulator_wheel_without_its_cli_entry_point_fails(
    bundles: Dict[str, List[Path]], tmp_path: Path
) -> None:
    core, emulator = bundles["wheel"]
    planted = zip_copy(emulator, tmp_path / emulator.name, drop=[".dist-info/entry_points.txt"])
    with pytest.raises(SystemExit, match="does not register the emulator verb for the core CLI"):
        wheel.verify([core, planted])


def test_wheels_of_different_versions_fail(bundles: Dict[str, List[Path]], tmp_path: Path) -> None:
    core, emulator = bundles["wheel"]
    renamed = tmp_path / emulator.name.replace(core.name.split("-")[1], "9.9.9")
    zip_copy(emulator, renamed)
    with pytest.raises(SystemExit, match="released in step with the core"):
        wheel.verify([core, renamed])
