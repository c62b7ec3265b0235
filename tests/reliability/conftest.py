"""Fixtures for the reliability suite: the built Splunk app under one of Splunk's interpreters."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from mde_emulator import EmulatorServer
from mde_indicators_build.splunk import stage_and_install
from mde_testkit.interpreters import SPLUNK_PYTHONS, find_python
from mde_testkit.splunk.harness import SplunkHarness, account_settings
from tests.reliability.paths import CLIENT


@pytest.fixture(scope="session")
def splunk_session(
    tmp_path_factory: pytest.TempPathFactory, emulator_session: EmulatorServer
) -> Iterator[SplunkHarness]:
    python = next(filter(None, map(find_python, reversed(SPLUNK_PYTHONS))), None)
    if (
        python is None
    ):  # never the host's Python: the Splunk paths must run on Splunk's interpreters
        pytest.skip(
            f"neither of Splunk's Pythons ({', '.join(SPLUNK_PYTHONS)}) is installed (pyenv)"
        )
    app = stage_and_install(tmp_path_factory.mktemp("reliability-app"))
    env = emulator_session.env()
    with SplunkHarness(app, python, tmp_path_factory.mktemp("reliability-home"), env) as harness:
        harness.add_account(
            "reliability",
            {**account_settings(env), **CLIENT},
            {"client_secret": env["MDE_CLIENT_SECRET"]},
        )
        harness.splunkd.confs["mde_indicators"]["outbox"] = {"base_delay": "0", "max_attempts": "3"}
        yield harness


@pytest.fixture()
def splunk(splunk_session: SplunkHarness, emulator: EmulatorServer) -> SplunkHarness:
    splunk_session.splunkd.kvstore.collections.clear()
    return splunk_session


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    return tmp_path
