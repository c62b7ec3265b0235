"""Fixtures: the built app installed from its .spl, a fake splunkd per interpreter (3.9 and 3.13), the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterator

import pytest

from mde_emulator import EmulatorServer
from mde_indicators_build.splunk import stage_and_install
from mde_testkit.interpreters import find_python
from mde_testkit.splunk.harness import SplunkHarness
from tests.conftest import CANARY_SECRET

PYTHONS = ("3.9", "3.13")


@pytest.fixture(scope="session")
def installed_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stage_and_install(tmp_path_factory.mktemp("splunk"))


@pytest.fixture(scope="session")
def canary_env(emulator_session: EmulatorServer) -> Dict[str, str]:
    """Emulator settings for the app registered with the canary secret."""
    app = next(a for a in emulator_session.identity.apps.values() if a.name == "canary-app")
    env = emulator_session.env(app)
    assert env["MDE_CLIENT_SECRET"] == CANARY_SECRET
    return env


@pytest.fixture(scope="session", params=PYTHONS, ids=[f"py{v}" for v in PYTHONS])
def harness_session(
    request: pytest.FixtureRequest,
    installed_app: Path,
    canary_env: Dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SplunkHarness]:
    python = find_python(request.param)
    if python is None:
        pytest.skip(
            f"Python {request.param} is not installed (pyenv install {request.param}); Splunk runs the app on it"
        )
    home = tmp_path_factory.mktemp(f"splunk_home_{request.param}")
    with SplunkHarness(installed_app, python, home, canary_env) as harness:
        yield harness


@pytest.fixture()
def harness(harness_session: SplunkHarness, emulator: EmulatorServer) -> SplunkHarness:
    harness_session.splunkd.log.clear()
    harness_session.splunkd.kvstore.collections.clear()
    return harness_session
