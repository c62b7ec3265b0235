"""Bearer tokens: missing, forged or expired is 401; no role is 403; Ti.ReadWrite sees only its own."""

from __future__ import annotations

import time
from typing import Dict

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from mde_emulator import EmulatorServer, Settings
from tests.integration.emulator.conftest import Call, indicator, msal_token

SHA = "a" * 64


def test_missing_token_is_401(call: Call) -> None:
    response = call("GET", "/api/indicators", token_="")
    assert response.status_code == 401 and response.json()["error"]["code"] == "Unauthorized"


def test_forged_token_is_401(call: Call, token: str) -> None:
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode(
        claims, rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithm="RS256"
    )
    assert call("GET", "/api/indicators", token_=forged).status_code == 401


def test_token_for_another_audience_is_401(
    call: Call, token: str, emulator: EmulatorServer
) -> None:
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == "https://api.securitycenter.microsoft.com" and claims["roles"] == [
        "Ti.ReadWrite.All"
    ]
    other = dict(claims, aud="https://graph.microsoft.com")
    forged = jwt.encode(
        other, emulator.identity._key, algorithm="RS256"
    )  # right key, wrong audience
    assert call("GET", "/api/indicators", token_=forged).status_code == 401


def test_expired_token_is_401() -> None:
    with EmulatorServer(Settings(limits="off", token_lifetime=1)) as emu:
        env = emu.env()
        token = msal_token(env)
        time.sleep(2.1)
        import requests

        response = requests.get(
            f"{emu.base_url}/api/indicators",
            headers={"Authorization": f"Bearer {token}"},
            verify=emu.ca_file,
            timeout=10,
        )
        assert response.status_code == 401 and "expired" in response.json()["error"]["message"]


def test_token_without_an_indicator_role_is_403(
    call: Call, emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    app = emulator.admin("POST", "apps", {"name": "reader", "secret": "reader-secret-1"})
    token = msal_token(emulator_env, app["clientId"], "reader-secret-1")
    response = call("GET", "/api/indicators", token_=token)
    assert response.status_code == 403 and response.json()["error"]["code"] == "Forbidden"


def test_read_write_app_sees_and_changes_only_its_own(
    call: Call, emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    mine = emulator.admin(
        "POST", "apps", {"name": "own", "role": "Ti.ReadWrite", "secret": "own-secret-1"}
    )
    own_token = msal_token(emulator_env, mine["clientId"], "own-secret-1")
    theirs = call("POST", "/api/indicators", json=indicator(SHA)).json()["id"]
    own = call("POST", "/api/indicators", json=indicator("b" * 64), token_=own_token).json()["id"]
    assert [r["id"] for r in call("GET", "/api/indicators", token_=own_token).json()["value"]] == [
        own
    ]
    assert {r["id"] for r in call("GET", "/api/indicators").json()["value"]} == {theirs, own}
    assert call("GET", f"/api/indicators/{theirs}", token_=own_token).status_code == 404
    assert call("DELETE", f"/api/indicators/{theirs}", token_=own_token).status_code == 404
    forbidden = call(
        "POST",
        "/api/indicators/BatchDelete",
        json={"IndicatorIds": [own, theirs]},
        token_=own_token,
    )
    assert forbidden.status_code == 403
    # The same value submitted by the restricted app creates its own indicator instead of updating the other.
    again = call("POST", "/api/indicators", json=indicator(SHA), token_=own_token).json()
    assert again["id"] not in (theirs, own) and again["createdBy"] == mine["clientId"]


def test_unknown_client_and_wrong_scope_are_sign_in_errors(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    import requests

    url = f"{emulator.base_url}/{emulator_env['MDE_TENANT_ID']}/oauth2/v2.0/token"
    form = {
        "grant_type": "client_credentials",
        "client_id": "nobody",
        "client_secret": "x",
        "scope": "https://api.securitycenter.microsoft.com/.default",
    }
    unknown = requests.post(url, data=form, verify=emulator.ca_file, timeout=10)
    assert unknown.status_code == 400 and unknown.json()["error"] == "unauthorized_client"
    form.update(
        client_id=emulator_env["MDE_CLIENT_ID"],
        client_secret=emulator_env["MDE_CLIENT_SECRET"],
        scope="https://graph.microsoft.com/.default",
    )
    scope = requests.post(url, data=form, verify=emulator.ca_file, timeout=10)
    assert scope.status_code == 400 and scope.json()["error"] == "invalid_scope"
