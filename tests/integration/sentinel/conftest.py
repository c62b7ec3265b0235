"""Run rendered playbooks against the emulator: samples, the Sentinel stand-in and an HTTP bridge."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from mde_emulator import EmulatorServer
from mde_indicators_build.sentinel.context import load_config
from mde_indicators_build.sentinel.render import render_all
from mde_testkit.logicapps.definition import RunResult
from mde_testkit.logicapps.offline import EmulatorHttp, FakeSentinel, run_playbook

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "sentinel"


def sample(name: str) -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads((SAMPLES / name).read_text("utf-8"))
    return data


@pytest.fixture(scope="session")
def playbooks() -> Dict[str, Dict[str, Any]]:
    return {r.name: r.template for r in render_all() if r.kind == "playbook"}


class Harness:
    def __init__(self, emulator: EmulatorServer, playbooks: Dict[str, Dict[str, Any]]) -> None:
        self.emulator = emulator
        self.playbooks = playbooks
        self.http = EmulatorHttp(emulator.env())

    def run(
        self,
        playbook: str,
        payload: Dict[str, Any],
        sentinel: Optional[FakeSentinel] = None,
        environment: str = "AzureCloud",
        **parameters: Any,
    ) -> Tuple[RunResult, FakeSentinel]:
        return run_playbook(
            copy.deepcopy(self.playbooks[playbook]),
            payload,
            self.http,
            sentinel,
            parameters or None,
            environment=environment,
        )

    def api_calls(self, op: str) -> List[Dict[str, Any]]:
        return [e for e in self.emulator.requests_log() if e.get("op") == op]

    def indicators(self) -> List[Dict[str, Any]]:
        rows: List[Dict[str, Any]] = self.emulator.admin("GET", "indicators")["value"]
        return rows


@pytest.fixture()
def harness(emulator: EmulatorServer, playbooks: Dict[str, Dict[str, Any]]) -> Iterator[Harness]:
    """The emulator's system-assigned identity gets the role the readmes grant the playbooks."""
    (identity,) = [
        a for a in emulator.admin("GET", "apps")["value"] if a["managed_identity"] == "system"
    ]
    roles = {p["role"] for p in load_config()["playbooks"]}
    assert len(roles) == 1

    def grant(role: Optional[str]) -> None:
        emulator.admin(
            "POST",
            "apps",
            {
                "clientId": identity["client_id"],
                "name": identity["name"],
                "role": role,
                "managedIdentity": "system",
            },
        )

    grant(roles.pop())
    try:
        yield Harness(emulator, playbooks)
    finally:
        grant(identity["role"])
