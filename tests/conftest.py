"""Shared fixtures: the schema model, a running emulator over real HTTPS, and clients signed in with msal."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterator, List

import pytest

from mde_indicators.client import IndicatorsClient
from mde_indicators.config import ClientConfig
from mde_indicators.model import Model, load_model
from mde_indicators.service import IndicatorService

if TYPE_CHECKING:  # the emulator needs werkzeug & co., absent from the Python 3.9/3.13 compat venvs
    from mde_emulator import EmulatorServer

# Layer markers by folder and the per-group summary; no skips in CI; pytester for the suite's own tests.
pytest_plugins = ("tests.layers", "tests.no_skips", "pytester")

CANARY_SECRET = "canary-SECRET-7f3e1c9a-do-not-leak"


@pytest.fixture(scope="session")
def model() -> Model:
    return load_model()


@pytest.fixture(scope="session")
def bundles() -> Dict[str, List[Path]]:
    """The bundles in dist/ (target -> paths) as `python3 build.py` makes them: reused when they match
    their inputs' content, built now otherwise. tests/bundle verifies them; the canary scan reads them."""
    from mde_indicators_build.fresh import ensure_built
    from tests.layers import NOTES

    started = time.monotonic()
    built, reused = ensure_built()
    how = "reused (inputs unchanged)" if reused else f"built in {time.monotonic() - started:.0f}s"
    NOTES.append(f"bundles in dist/: {how}")
    return built


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[EmulatorServer]:
    """One emulator for the session (limits off); tests reset it through the admin API."""
    from mde_emulator import EmulatorServer, Settings

    server = EmulatorServer(Settings(limits="off"))
    server.register_app(name="canary-app", role="Ti.ReadWrite.All", secret=CANARY_SECRET)
    with server:
        yield server


@pytest.fixture()
def emulator(emulator_session: EmulatorServer) -> EmulatorServer:
    emulator_session.admin("POST", "reset")
    emulator_session.admin("POST", "limits", {"mode": "off"})
    return emulator_session


@pytest.fixture()
def emulator_env(emulator: EmulatorServer) -> Dict[str, str]:
    return emulator.env()


def make_client(env: Dict[str, str], **overrides: Any) -> IndicatorsClient:
    config = ClientConfig.from_env(env, **overrides)
    return IndicatorsClient.from_config(config)


@pytest.fixture()
def client(emulator_env: Dict[str, str]) -> IndicatorsClient:
    return make_client(emulator_env, max_retry_seconds=20.0)


@pytest.fixture()
def service(client: IndicatorsClient) -> IndicatorService:
    return IndicatorService(client)


@pytest.fixture(autouse=True)
def _no_proxy_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's HTTPS_PROXY must not capture calls to the loopback emulator.
    monkeypatch.setenv(
        "NO_PROXY", ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))
    )
