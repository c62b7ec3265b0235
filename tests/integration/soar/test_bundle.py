"""The manifest's contract against the golden one, and the built bundle installed from its own wheels into
a fresh Python 3.13 venv, running against the emulator and another stand-in set up by URL and CA alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict

import pytest

from mde_emulator import EmulatorServer, Settings
from mde_indicators_build import soar as target
from mde_indicators_build.soar import bundle
from mde_testkit.soar.harness import SoarRunner, asset_for

from .conftest import asset_of, stored

pytestmark = pytest.mark.soar
WRITES = ("submit_indicator", "import_indicators", "sync_indicators", "delete_indicators",
          "delete_indicators_by_value")  # fmt: skip


@pytest.fixture(scope="module")
def manifest(soar_python: str, tmp_path_factory: pytest.TempPathFactory) -> Dict:
    path = tmp_path_factory.mktemp("manifest") / "manifest.json"
    target.sdk(soar_python, "manifests", "create", str(path), str(target.toolchain.PROJECT))
    return dict(json.loads(path.read_text()))


def test_the_manifest_keeps_the_golden_contract_of_actions_parameters_and_data_paths(
    manifest: Dict,
) -> None:
    assert target.check_golden(manifest) == []
    assert bundle.manifest_problems(manifest, target.version()) == []


def test_every_write_holds_the_assets_lock_and_reads_are_read_only(manifest: Dict) -> None:
    actions = {a["identifier"]: a for a in manifest["actions"]}
    assert {n for n, a in actions.items() if a.get("lock", {}).get("enabled")} == set(WRITES)
    assert all(actions[n]["lock"]["concurrency"] is False for n in WRITES)
    assert actions["list_indicators"]["read_only"] and actions["get_indicator"]["read_only"]


def test_values_and_ids_carry_contains_types_that_chain_with_other_apps(manifest: Dict) -> None:
    outputs = {o["data_path"]: o for a in manifest["actions"] for o in a["output"]}
    assert {"hash", "ip", "domain", "url"} <= set(outputs["action_result.data.*.value"]["contains"])
    assert outputs["action_result.data.*.indicator_id"]["contains"] == ["defender atp indicator id"]
    assert outputs["action_result.data.*.id"]["contains"] == ["defender atp indicator id"]
    sensitive = {n for n, f in manifest["configuration"].items() if f["data_type"] == "password"}
    assert sensitive == {"client_secret", "client_certificate", "client_certificate_password"}


@pytest.fixture(scope="module")
def installed(soar_python: str, tmp_path_factory: pytest.TempPathFactory) -> bundle.Installed:
    (path,) = target.build()
    problems = bundle.member_problems(path, target.manifest_of(path))
    assert problems == []
    return target.install(path, tmp_path_factory.mktemp("bundle"))


@pytest.mark.slow
def test_the_bundle_installs_from_its_own_wheels_and_runs_against_the_emulator(
    installed: bundle.Installed,
    emulator: EmulatorServer,
    canary_app_env: Dict[str, str],
    tmp_path: Path,
) -> None:
    sdk_run = bundle.run_sdk_action(
        installed, "test_connectivity", asset_of(emulator, canary_app_env), tmp_path
    )
    assert sdk_run.success, sdk_run.output[-2000:]
    runner = SoarRunner(
        installed.python, installed.app_dir, tmp_path / "runs", asset_of(emulator, canary_app_env)
    )
    run = runner.run("import_indicators", {"indicators": "1.2.3.4\nevil.example.com\nbad"})
    assert [r["status"] for r in run.data] == ["submitted", "submitted", "invalid"]
    assert set(stored(emulator)) == {"1.2.3.4", "evil.example.com"}


@pytest.mark.slow
def test_the_installed_bundle_reaches_another_stand_in_by_url_and_ca_alone(
    installed: bundle.Installed, tmp_path: Path
) -> None:
    with EmulatorServer(Settings(limits="off")) as other:
        asset = asset_for(other.env(), Path(other.ca_file).read_text())
        runner = SoarRunner(installed.python, installed.app_dir, tmp_path / "runs", asset)
        assert runner.run("test_connectivity").success
        run = runner.run("submit_indicator", {"indicator_value": "evil.example.com"})
        assert run.success, run.output[-2000:]
        assert [r["indicatorValue"] for r in other.admin("GET", "indicators")["value"]] == [
            "evil.example.com"
        ]
