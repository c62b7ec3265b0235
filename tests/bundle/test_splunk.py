"""The .spl in dist/ passes the package rules and AppInspect (precert, cloud tag), as in `python3 build.py`;
each checker fails on a copy with one planted defect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

import pytest

from mde_indicators_build import splunk
from tests.bundle.planting import tar_copy


def test_the_built_app_passes_the_package_rules_and_appinspect(
    bundles: Dict[str, List[Path]],
) -> None:
    (spl,) = bundles["splunk"]
    assert splunk.check_package(spl) == []
    try:
        splunk.verify([spl])  # the package rules, then AppInspect: what `python3 build.py` runs
    except SystemExit as exc:
        pytest.fail(str(exc))
    summary = json.loads(splunk.REPORT.read_text())["summary"]
    assert summary["success"] > 100, "AppInspect ran almost no checks"


@pytest.fixture()
def spl(bundles: Dict[str, List[Path]]) -> Path:
    return bundles["splunk"][0]


def test_a_package_with_a_local_folder_fails_the_package_rules(spl: Path, tmp_path: Path) -> None:
    planted = tar_copy(
        spl, tmp_path / spl.name, add={f"{splunk.APP}/local/app.conf": b"[install]\n"}
    )
    assert splunk.check_package(planted) == [f"{splunk.APP}/local/app.conf: must not be packaged"]


def test_an_executable_file_fails_the_package_rules(spl: Path, tmp_path: Path) -> None:
    planted = tar_copy(spl, tmp_path / spl.name, modes={"/bin/mdesubmit.py": 0o755})
    assert splunk.check_package(planted) == [f"{splunk.APP}/bin/mdesubmit.py: mode 0o755"]


def test_an_app_configured_before_setup_fails_the_package_rules(spl: Path, tmp_path: Path) -> None:
    def configured(conf: bytes) -> bytes:
        return conf.replace(b"is_configured = false", b"is_configured = true")

    planted = tar_copy(spl, tmp_path / spl.name, edit={"/default/app.conf": configured})
    assert splunk.check_package(planted) == ["default/app.conf: is_configured must be false"]


def test_appinspect_fails_a_package_id_that_differs_from_the_folder(
    spl: Path, tmp_path: Path
) -> None:
    def renamed(conf: bytes) -> bytes:
        return conf.replace(f"id = {splunk.APP}\n".encode(), f"id = {splunk.APP}-x\n".encode())

    planted = tar_copy(spl, tmp_path / spl.name, edit={"/default/app.conf": renamed})
    assert splunk.check_package(planted) == []  # only AppInspect knows this rule
    result = splunk.appinspect(planted, tmp_path / "report.json")
    failed = [f["check"] for f in result["findings"] if f["result"] == "failure"]
    assert failed == ["check_for_valid_package_id"]
