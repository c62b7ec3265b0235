"""The SOAR bundle in dist/ passes the checks `python3 build.py` runs, and those checks fail on a planted
defect: a wheel the manifest lists but the bundle lacks, a wheel the SDK refuses, a contract change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

from mde_indicators_build import soar
from mde_indicators_build.soar import bundle
from tests.bundle.planting import tar_copy


def problems(path: Path) -> List[str]:
    manifest = soar.manifest_of(path)
    return bundle.manifest_problems(manifest, path.name.rsplit("-", 1)[1][: -len(".tgz")]) + (
        bundle.member_problems(path, manifest)
    )


def test_the_built_soar_bundle_passes_its_package_and_contract_checks(
    bundles: Dict[str, List[Path]],
) -> None:
    (path,) = bundles["soar"]
    assert problems(path) == []
    assert soar.check_golden(soar.manifest_of(path)) == []


def test_a_bundle_missing_a_listed_wheel_fails_naming_it(
    bundles: Dict[str, List[Path]], tmp_path: Path
) -> None:
    (path,) = bundles["soar"]
    listed = bundle.listed_wheels(soar.manifest_of(path))
    gone = next(w for w in listed if "msal" in w)

    assert f"lacks {gone}" in problems(tar_copy(path, tmp_path / path.name, drop=[gone]))


def test_a_bundle_carrying_a_wheel_the_sdk_refuses_fails(
    bundles: Dict[str, List[Path]], tmp_path: Path
) -> None:
    (path,) = bundles["soar"]

    refused = f"{soar.APP}/wheels/shared/simplejson-3.19.3-py3-none-any.whl"
    planted = tar_copy(path, tmp_path / path.name, add={refused: b"not really a wheel"})
    assert "bundles simplejson-3.19.3-py3-none-any.whl" in problems(planted)


def test_a_changed_action_contract_fails_against_the_golden_one(
    bundles: Dict[str, List[Path]],
) -> None:
    (path,) = bundles["soar"]
    manifest = soar.manifest_of(path)
    action = next(a for a in manifest["actions"] if a["identifier"] == "import_indicators")
    action["output"] = [o for o in action["output"] if not o["data_path"].endswith(".status")]
    assert soar.check_golden(json.loads(json.dumps(manifest))) == [
        "actions 'import_indicators' differs from the golden contract (UPDATE_GOLDEN=1 to accept)"
    ]
