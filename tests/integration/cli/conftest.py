"""Run the real CLI in-process (click's CliRunner) against the session emulator over HTTPS."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest
from click.testing import CliRunner, Result

from mde_emulator import EmulatorServer
from mde_indicators.cli import main
from mde_indicators.model import load_model

Run = Callable[..., Result]
WRITE_OPS = frozenset(n for n, op in load_model().operations.items() if op.method != "GET")


def runner() -> CliRunner:
    """A runner keeping stderr apart from stdout (the default from click 8.2; asked for before)."""
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    return CliRunner()


@pytest.fixture()
def run(emulator_env: Dict[str, str], tmp_path: Path) -> Run:
    """run(*args, input=None, env=None) -> click Result; no user config file or profile leaks in."""

    def invoke(
        *args: str, input: Optional[str] = None, env: Optional[Dict[str, Any]] = None
    ) -> Result:
        full: Dict[str, Any] = {
            **emulator_env,
            "MDE_INDICATORS_CONFIG": str(tmp_path / "absent-config.toml"),
            "MDE_PROFILE": None,
            **(env or {}),
        }
        return runner().invoke(main, list(args), input=input, env=full, catch_exceptions=False)

    return invoke


def api_calls(emulator: EmulatorServer) -> List[Dict[str, Any]]:
    """The Indicators API calls the emulator logged (sign-in calls left out)."""
    ops = set(load_model().operations)
    return [e for e in emulator.requests_log() if e.get("op") in ops]


def writes(emulator: EmulatorServer) -> List[Dict[str, Any]]:
    return [e for e in api_calls(emulator) if e["op"] in WRITE_OPS]


def rows(emulator: EmulatorServer) -> List[Dict[str, Any]]:
    """Every indicator the emulator holds, whoever owns it."""
    return list(emulator.admin("GET", "indicators")["value"])


def forget_requests(emulator: EmulatorServer) -> None:
    emulator.admin("DELETE", "requests")
