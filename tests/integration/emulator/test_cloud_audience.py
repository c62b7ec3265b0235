"""A request to a cloud's API host needs the token audience the cloud table gives for that host.

What a Logic App's HTTP action with managed identity does: it asks for a token for its `audience` and
calls the host in its URI. A token for another cloud's API is refused there, as Entra ID-protected APIs
refuse a token issued for another resource (401).
"""

from __future__ import annotations

from typing import Dict
from urllib.parse import urlsplit

import pytest
import requests

from mde_emulator import EmulatorServer
from mde_indicators.model import Model


def msi_token(emulator: EmulatorServer, env: Dict[str, str], audience: str) -> str:
    response = requests.get(
        env["IDENTITY_ENDPOINT"],
        params={"resource": audience, "api-version": "2019-08-01"},
        headers={"X-IDENTITY-HEADER": env["IDENTITY_HEADER"]},
        verify=emulator.ca_file,
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def list_at(emulator: EmulatorServer, host: str, token: str) -> requests.Response:
    return requests.get(
        f"{emulator.base_url}/api/indicators",
        headers={"Authorization": f"Bearer {token}", "Host": host},
        verify=emulator.ca_file,
        timeout=10,
    )


def host(url: str) -> str:
    return urlsplit(url).hostname or ""


@pytest.mark.parametrize("cloud", ["commercial", "gcc", "gcc-high", "dod"])
def test_each_cloud_host_accepts_its_own_audience(
    emulator: EmulatorServer, emulator_env: Dict[str, str], model: Model, cloud: str
) -> None:
    entry = model.clouds[cloud]
    token = msi_token(emulator, emulator_env, entry.resource)
    response = list_at(emulator, host(entry.api_url), token)
    assert response.status_code == 200, response.text
    # the emulator answers as that host, as MDE echoes the host it was called on
    assert response.json()["@odata.context"].startswith(f"https://{host(entry.api_url)}/api/")


@pytest.mark.parametrize(
    ("token_cloud", "host_cloud"),
    [("commercial", "gcc-high"), ("gcc", "gcc-high"), ("gcc-high", "gcc"), ("dod", "commercial")],
)
def test_a_token_for_another_clouds_audience_is_refused(
    emulator: EmulatorServer,
    emulator_env: Dict[str, str],
    model: Model,
    token_cloud: str,
    host_cloud: str,
) -> None:
    token = msi_token(emulator, emulator_env, model.clouds[token_cloud].resource)
    expected = model.clouds[host_cloud].resource
    response = list_at(emulator, host(model.clouds[host_cloud].api_url), token)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "Unauthorized" and expected in error["message"]


def test_regional_hosts_take_their_clouds_audience(
    emulator: EmulatorServer, emulator_env: Dict[str, str], model: Model
) -> None:
    commercial, gov = model.clouds["commercial"], model.clouds["gcc-high"]
    region = host(commercial.regions["eu"])
    assert list_at(emulator, region, msi_token(emulator, emulator_env, commercial.resource)).ok
    refused = list_at(emulator, region, msi_token(emulator, emulator_env, gov.resource))
    assert refused.status_code == 401


def test_the_emulators_own_address_stands_for_every_cloud(
    emulator: EmulatorServer, emulator_env: Dict[str, str], model: Model
) -> None:
    # clients pointed at the emulator (MDE_API_URL) choose their cloud through the token alone
    for cloud in model.clouds.values():
        token = msi_token(emulator, emulator_env, cloud.resource)
        response = requests.get(
            f"{emulator.base_url}/api/indicators",
            headers={"Authorization": f"Bearer {token}"},
            verify=emulator.ca_file,
            timeout=10,
        )
        assert response.status_code == 200
