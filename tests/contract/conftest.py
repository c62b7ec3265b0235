"""Fixtures for the contract suite: the replay server that answers with MDE's documented examples."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from mde_emulator import EmulatorServer
from mde_indicators.client import IndicatorsClient
from mde_indicators.config import ClientConfig
from tests.contract.replay import Replay
from tests.contract.stack import VirtualTime


@pytest.fixture()
def replay(emulator: EmulatorServer, tmp_path: Path) -> Iterator[Replay]:
    with Replay(emulator.ca, tmp_path) as server:
        yield server


@pytest.fixture()
def replayed(emulator: EmulatorServer, replay: Replay) -> IndicatorsClient:
    """Our client pointed at the replay server for the API; it signs in with the emulator's Entra ID."""
    config = ClientConfig.from_env(
        emulator.env(), api_url=replay.url, max_attempts=2, max_retry_seconds=5.0
    )
    time = SkippedTime()
    return IndicatorsClient.from_config(config, clock=time.clock, sleep=time.sleep)


class SkippedTime(VirtualTime):
    """A virtual clock that jumps over every wait: retries and Retry-After cost no real time."""

    def sleep(self, seconds: float) -> None:
        self.now += seconds
