"""Checking access without changing anything: the token's roles and the empty-import write probe."""

from __future__ import annotations

from typing import Dict

import pytest

from mde_emulator import EmulatorServer
from mde_indicators.access import describe_roles, token_roles, write_probe
from mde_indicators.errors import PermissionDenied
from tests.conftest import make_client


def test_the_roles_come_from_the_token_with_what_each_sees(emulator_env: Dict[str, str]) -> None:
    client = make_client(emulator_env)
    roles = token_roles(client.transport.tokens.token(), client.model)
    assert roles is not None and roles[0].startswith("Ti.ReadWrite.All (sees ")
    assert describe_roles("not-a-jwt", client.model) == "token is not a JWT; roles unknown"


def test_the_write_probe_writes_nothing_and_a_read_only_app_is_refused(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    client = make_client(emulator_env)
    assert "nothing written" in write_probe(client)
    assert emulator.admin("GET", "indicators")["value"] == []
    reader = emulator.register_app("reader", role="Ti.Read.All")
    with pytest.raises(PermissionDenied):
        write_probe(make_client(emulator.env(reader)))
