"""Bundles in dist/ are reused only while their inputs' content and their own bytes are unchanged."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List

import pytest

from mde_indicators_build import fresh


@pytest.fixture()
def tree(tmp_path: Path) -> Dict[str, List[Path]]:
    for name, text in {
        "setup.cfg": "[metadata]\n",
        "packages/mde_indicators/client.py": "x = 1\n",
        "sentinel_playbooks/playbooks.json": "{}\n",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    dist = tmp_path / "dist"
    (dist / "sentinel").mkdir(parents=True)
    (dist / "app.spl").write_bytes(b"spl")
    (dist / "sentinel" / "azuredeploy.json").write_text("{}")
    built = {"splunk": [dist / "app.spl"], "sentinel": [dist / "sentinel"]}
    fresh.record(built, tmp_path, dist / ".bundles.json")
    return built


def is_fresh(root: Path) -> bool:
    return fresh.fresh(root, root / "dist" / ".bundles.json") is not None


def test_recorded_bundles_are_reused(tree: Dict[str, List[Path]], tmp_path: Path) -> None:
    assert fresh.fresh(tmp_path, tmp_path / "dist" / ".bundles.json") == tree


def test_a_changed_input_means_a_rebuild(tree: Dict[str, List[Path]], tmp_path: Path) -> None:
    (tmp_path / "packages/mde_indicators/client.py").write_text("x = 2\n")
    assert not is_fresh(tmp_path)


def test_a_new_input_file_means_a_rebuild(tree: Dict[str, List[Path]], tmp_path: Path) -> None:
    (tmp_path / "sentinel_playbooks/templates").mkdir()
    (tmp_path / "sentinel_playbooks/templates/new.j2").write_text("{}")
    assert not is_fresh(tmp_path)


def test_times_alone_change_nothing(tree: Dict[str, List[Path]], tmp_path: Path) -> None:
    for path in (tmp_path / "setup.cfg", tmp_path / "dist" / "app.spl"):
        os.utime(path, (0, 0))
    assert is_fresh(tmp_path)


def test_generated_files_among_the_inputs_are_ignored(
    tree: Dict[str, List[Path]], tmp_path: Path
) -> None:
    cache = tmp_path / "packages/mde_indicators/__pycache__"
    cache.mkdir()
    (cache / "client.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "packages/mde_indicators.egg-info").mkdir()
    (tmp_path / "packages/mde_indicators.egg-info/PKG-INFO").write_text("x")
    assert is_fresh(tmp_path)


def test_an_edited_or_missing_bundle_means_a_rebuild(
    tree: Dict[str, List[Path]], tmp_path: Path
) -> None:
    (tmp_path / "dist" / "sentinel" / "azuredeploy.json").write_text('{"edited": 1}')
    assert not is_fresh(tmp_path)
    (tmp_path / "dist" / "sentinel" / "azuredeploy.json").write_text("{}")
    assert is_fresh(tmp_path)
    (tmp_path / "dist" / "app.spl").unlink()
    assert not is_fresh(tmp_path)
