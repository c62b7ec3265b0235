"""Fixtures: the SOAR app's Python 3.13 venv (synced from uv.lock), a runner of its actions through the
SDK's own CLI runner, and assets pointing at the session emulator's canary app over real TLS."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest

from mde_emulator import EmulatorServer
from mde_indicators.model import load_model
from mde_indicators_build.soar import toolchain
from mde_testkit.soar.harness import SoarRunner, asset_for
from tests.conftest import CANARY_SECRET

pytestmark = pytest.mark.soar
WRITE_OPS = frozenset(n for n, op in load_model().operations.items() if op.method != "GET")


@pytest.fixture(scope="session")
def soar_python() -> str:
    try:
        return toolchain.app_python()
    except SystemExit as exc:  # a missing Python 3.13 fails the suite, it is never skipped
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def canary_app_env(emulator_session: EmulatorServer) -> Dict[str, str]:
    app = next(a for a in emulator_session.identity.apps.values() if a.name == "canary-app")
    env = emulator_session.env(app)
    assert env["MDE_CLIENT_SECRET"] == CANARY_SECRET
    return env


def asset_of(emulator: EmulatorServer, env: Dict[str, str], **fields: Any) -> Dict[str, Any]:
    return asset_for(env, Path(emulator.ca_file).read_text(), **fields)


@pytest.fixture()
def soar(
    soar_python: str, emulator: EmulatorServer, canary_app_env: Dict[str, str], tmp_path: Path
) -> SoarRunner:
    """Runs actions of the working tree's app against the emulator (reset per test)."""
    asset = asset_of(emulator, canary_app_env, max_retry_seconds=20)
    return SoarRunner(soar_python, toolchain.PROJECT, tmp_path / "soar", asset)


def api_calls(emulator: EmulatorServer, op: str = "") -> List[Dict[str, Any]]:
    ops = set(load_model().operations)
    return [e for e in emulator.requests_log() if e.get("op") in ops and (not op or e["op"] == op)]


def writes(emulator: EmulatorServer) -> List[Dict[str, Any]]:
    return [e for e in api_calls(emulator) if e["op"] in WRITE_OPS]


def stored(emulator: EmulatorServer) -> Dict[str, Dict[str, Any]]:
    """Every indicator the emulator holds by value, whoever owns it."""
    return {r["indicatorValue"]: r for r in emulator.admin("GET", "indicators")["value"]}
