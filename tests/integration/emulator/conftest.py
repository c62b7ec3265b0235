"""Raw HTTPS access to the emulator with msal-acquired tokens, for wire-level conformance tests."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

import msal
import pytest
import requests

from mde_emulator import EmulatorServer

Call = Callable[..., requests.Response]


def msal_token(
    env: Dict[str, str], client_id: Optional[str] = None, secret: Optional[str] = None
) -> str:
    session = requests.Session()
    session.verify = env["MDE_CA_BUNDLE"]
    session.trust_env = False
    app = msal.ConfidentialClientApplication(
        client_id or env["MDE_CLIENT_ID"],
        client_credential=secret or env["MDE_CLIENT_SECRET"],
        authority=f"{env['MDE_AUTHORITY_URL']}/{env['MDE_TENANT_ID']}",
        http_client=session,
        instance_discovery=False,
    )
    result = app.acquire_token_for_client(
        scopes=["https://api.securitycenter.microsoft.com/.default"]
    )
    assert "access_token" in result, result
    return str(result["access_token"])


@pytest.fixture()
def token(emulator_env: Dict[str, str]) -> str:
    return msal_token(emulator_env)


@pytest.fixture()
def call(emulator: EmulatorServer, token: str) -> Call:
    """call(method, path, json=..., params=..., token=...) against https://127.0.0.1:port."""

    def send(
        method: str,
        path: str,
        *,
        token_: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
        **kw: Any,
    ) -> requests.Response:
        all_headers = {"Authorization": f"Bearer {token_ or token}", **(headers or {})}
        if token_ == "":
            all_headers.pop("Authorization")
        return requests.request(
            method,
            emulator.base_url + path,
            headers=all_headers,
            verify=emulator.ca_file,
            timeout=30,
            **kw,
        )

    return send


def indicator(value: str, **extra: Any) -> Dict[str, Any]:
    body = {
        "indicatorValue": value,
        "indicatorType": "FileSha256",
        "action": "Block",
        "title": "t",
        "description": "d",
    }
    body.update(extra)
    return body
