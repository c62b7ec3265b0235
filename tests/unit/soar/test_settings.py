"""The SOAR asset to the core's settings: PEM text repaired into private files, one credential, no MDE_*
variable read, protected values from the asset."""

from __future__ import annotations

import os
import stat
from types import SimpleNamespace
from typing import Any

import pytest
import trustme

from mde_indicators.errors import ConfigurationError
from mde_soar.src import settings

PEM = trustme.CA().cert_pem.bytes().decode()


def asset(**fields: Any) -> SimpleNamespace:
    base = dict(
        tenant_id="t", client_id="c", client_secret="s", client_certificate=None,
        client_certificate_password=None, cloud="commercial", region=None, api_url=None,
        authority_url=None, ca_bundle=None, connect_timeout=10.0, read_timeout=60.0,
        max_retry_seconds=120.0, protected_values=None, use_builtin_protected=True,
        application="Splunk SOAR", default_action="Block", default_severity="High",
        default_expiration="30d",
    )  # fmt: skip
    return SimpleNamespace(**{**base, **fields})


def test_pem_that_lost_its_line_breaks_is_rewrapped() -> None:
    flat = PEM.replace("\n", " ")
    assert settings.normalise_pem(flat, "ca_bundle") == PEM


def test_text_without_a_pem_block_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="ca_bundle holds no PEM block"):
        settings.normalise_pem("not a certificate", "ca_bundle")


def test_pem_goes_to_a_file_only_its_owner_can_read() -> None:
    config = settings.client_config(asset(ca_bundle=PEM))
    assert config.ca_bundle and open(config.ca_bundle).read() == PEM
    assert stat.S_IMODE(os.stat(config.ca_bundle).st_mode) == 0o600


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"client_secret": None}, "neither"),
        ({"client_certificate": PEM}, "both"),
        ({"tenant_id": " "}, "tenant_id"),
    ],
)
def test_exactly_one_credential_and_the_ids_are_required(fields: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        settings.client_config(asset(**fields))


def test_mde_environment_variables_are_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MDE_API_URL", "https://elsewhere.example")
    monkeypatch.setenv("MDE_CLIENT_SECRET", "from-env")
    config = settings.client_config(asset())
    assert config.api_url is None and config.client_secret == "s"


def test_the_assets_protected_values_add_to_the_builtin_list() -> None:
    guard = settings.guardrails(
        asset(protected_values="intranet.example, 203.0.113.0/24\nc0ffee.example")
    )
    assert guard("intranet.example", "DomainName")
    assert guard("203.0.113.9", "IpAddress")
    assert guard("8.8.8.8", "IpAddress")
    assert not settings.guardrails(asset(use_builtin_protected=False))("8.8.8.8", "IpAddress")


def test_defaults_come_from_the_asset_and_the_parameters_win(model: Any) -> None:
    found = settings.defaults(asset(), model, {"severity": "Low", "title": ""})
    assert found == {
        "action": "Block",
        "severity": "Low",
        "expirationTime": "30d",
        "application": "Splunk SOAR",
    }
