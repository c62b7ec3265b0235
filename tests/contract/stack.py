"""How the contract checks reach the two sides: our client over HTTPS (with a virtual clock, to see when its
rate budget waits) and the emulator through plain HTTPS calls with an msal token (the vectors without our
client), plus indicator bodies and the emulator's request log."""

from __future__ import annotations

import hashlib
from typing import Any, Dict, List, Optional

import requests

from mde_emulator import EmulatorServer
from mde_indicators.client import IndicatorsClient
from mde_indicators.config import ClientConfig
from mde_indicators.model import Model
from tests.integration.emulator.conftest import msal_token


class Held(Exception):
    """The client's rate budget asked to wait this long before the next call."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


class VirtualTime:
    """A clock that moves only when told; sleeping raises Held, so a test sees when the client waits."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        raise Held(seconds)


def client(
    emulator: EmulatorServer, model: Model, time: Optional[VirtualTime] = None, **overrides: Any
) -> IndicatorsClient:
    config = ClientConfig.from_env(emulator.env(), **overrides)
    if time is None:
        return IndicatorsClient.from_config(config, model=model)
    return IndicatorsClient.from_config(config, model=model, clock=time.clock, sleep=time.sleep)


def api(emulator: EmulatorServer) -> requests.Session:
    """A plain HTTPS session on the emulator with an msal token: the vectors without our client."""
    session = requests.Session()
    session.trust_env = False
    session.verify = emulator.ca_file
    session.headers["Authorization"] = "Bearer " + msal_token(emulator.env())
    return session


def body(value: str = "a" * 64, **extra: Any) -> Dict[str, Any]:
    fields = {"indicatorValue": value, "indicatorType": "FileSha256", "action": "Block"}
    return {**fields, "title": "t", "description": "d", **extra}


def hashes(count: int, salt: str) -> List[str]:
    return [hashlib.sha256(f"{salt}-{n}".encode()).hexdigest() for n in range(count)]


def calls(emulator: EmulatorServer, method: str, path: str) -> List[Dict[str, Any]]:
    prefix = path.split("{", 1)[0]
    return [
        e
        for e in emulator.requests_log()
        if e["method"] == method
        and (e["path"] == path or ("{" in path and e["path"].startswith(prefix)))
    ]
