"""The emulator's Entra ID behaves as its docstring says the real one does, on the wire (no msal in between).

One test per modelled behaviour listed in packages/emulator/mde_emulator/identity.py, with the source
the expectation comes from.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Dict

import jwt
import pytest
import requests
import trustme

from mde_emulator import EmulatorServer

MDE = "https://api.securitycenter.microsoft.com"


def post_token(emulator: EmulatorServer, tenant: str, **form: str) -> requests.Response:
    return requests.post(
        f"{emulator.base_url}/{tenant}/oauth2/v2.0/token",
        data=form,
        verify=emulator.ca_file,
        timeout=10,
    )


def secret_form(env: Dict[str, str], **changes: str) -> Dict[str, str]:
    form = {
        "grant_type": "client_credentials",
        "client_id": env["MDE_CLIENT_ID"],
        "client_secret": env["MDE_CLIENT_SECRET"],
        "scope": f"{MDE}/.default",
    }
    form.update(changes)
    return form


def test_client_credentials_answer_the_documented_token_response(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    # mde-indicators-api.md §9.4: {"token_type":"Bearer","expires_in":3599,"ext_expires_in":...,"access_token":...}
    response = post_token(emulator, emulator_env["MDE_TENANT_ID"], **secret_form(emulator_env))
    assert response.status_code == 200
    body = response.json()
    assert sorted(body) == ["access_token", "expires_in", "ext_expires_in", "token_type"]
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3599)


def test_access_tokens_are_v1_tokens_with_the_app_role_signed_by_a_published_key(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    # Access token claims reference (v1.0: iss sts.windows.net, appid); reference §7 (roles claim, 1 hour)
    tenant = emulator_env["MDE_TENANT_ID"]
    token = post_token(emulator, tenant, **secret_form(emulator_env)).json()["access_token"]
    discovery = requests.get(
        f"{emulator.base_url}/{tenant}/v2.0/.well-known/openid-configuration",
        verify=emulator.ca_file,
        timeout=10,
    ).json()
    keys = requests.get(discovery["jwks_uri"], verify=emulator.ca_file, timeout=10).json()["keys"]
    header = jwt.get_unverified_header(token)
    (key,) = [k for k in keys if k["kid"] == header["kid"]]
    claims: Dict[str, Any] = jwt.decode(
        token, jwt.PyJWK(key).key, algorithms=["RS256"], audience=MDE
    )
    assert header["alg"] == "RS256"
    assert claims["iss"] == f"https://sts.windows.net/{tenant}/" and claims["ver"] == "1.0"
    assert (claims["appid"], claims["tid"], claims["idtyp"]) == (
        emulator_env["MDE_CLIENT_ID"],
        tenant,
        "app",
    )
    assert claims["roles"] == ["Ti.ReadWrite.All"] and claims["uti"]
    assert claims["exp"] - claims["iat"] == 3599


@pytest.mark.parametrize(
    ("case", "status", "error", "code"),
    [
        ("unknown tenant", 400, "invalid_request", 90002),
        ("password grant", 400, "unsupported_grant_type", 70003),
        ("unknown client", 400, "unauthorized_client", 700016),
        ("wrong secret", 401, "invalid_client", 7000215),
        ("Graph scope", 400, "invalid_scope", 70011),
    ],
)
def test_sign_in_errors_have_entras_shape_and_codes(
    emulator: EmulatorServer,
    emulator_env: Dict[str, str],
    case: str,
    status: int,
    error: str,
    code: int,
) -> None:
    # Entra "authentication and authorization error codes": the error response's fields and AADSTS codes
    tenant = str(uuid.uuid4()) if case == "unknown tenant" else emulator_env["MDE_TENANT_ID"]
    changes = {
        "unknown tenant": {},
        "password grant": {"grant_type": "password"},
        "unknown client": {"client_id": str(uuid.uuid4())},
        "wrong secret": {"client_secret": "not-the-secret"},
        "Graph scope": {"scope": "https://graph.microsoft.com/.default"},
    }[case]
    response = post_token(emulator, tenant, **secret_form(emulator_env, **changes))
    body = response.json()
    assert (response.status_code, body["error"], body["error_codes"]) == (status, error, [code])
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert {"timestamp", "trace_id", "correlation_id"} <= set(body)
    assert uuid.UUID(body["trace_id"]) and uuid.UUID(body["correlation_id"])


def assertion(key: Any, client_id: str, audience: str, issuer: str = "") -> str:
    now = int(time.time())
    claims = {
        "aud": audience,
        "iss": issuer or client_id,
        "sub": client_id,
        "jti": str(uuid.uuid4()),
        "nbf": now,
        "exp": now + 600,
    }
    return jwt.encode(claims, key, algorithm="RS256")


def test_a_client_assertion_must_be_signed_by_the_registered_key_and_name_the_client(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    # Microsoft identity platform "certificate credentials": aud = token endpoint, iss = sub = client id
    leaf = trustme.CA(key_type=trustme.KeyType.RSA).issue_cert(
        "client.example", key_type=trustme.KeyType.RSA
    )
    app = emulator.admin(
        "POST",
        "apps",
        {
            "name": "assertion-app",
            "role": "Ti.ReadWrite",
            "certificatePem": leaf.cert_chain_pems[0].bytes().decode(),
        },
    )
    key = leaf.private_key_pem.bytes()
    other = trustme.CA(key_type=trustme.KeyType.RSA).issue_cert("x", key_type=trustme.KeyType.RSA)
    tenant = emulator_env["MDE_TENANT_ID"]
    endpoint = f"{emulator.base_url}/{tenant}/oauth2/v2.0/token"
    kind = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    def sign_in(signed: str) -> requests.Response:
        return post_token(
            emulator,
            tenant,
            grant_type="client_credentials",
            client_id=app["clientId"],
            scope=f"{MDE}/.default",
            client_assertion_type=kind,
            client_assertion=signed,
        )

    assert sign_in(assertion(key, app["clientId"], endpoint)).status_code == 200
    foreign = sign_in(assertion(other.private_key_pem.bytes(), app["clientId"], endpoint)).json()
    assert foreign["error_codes"] == [700027]
    misnamed = sign_in(assertion(key, app["clientId"], endpoint, issuer="someone-else")).json()
    assert misnamed["error_codes"] == [700021]


def test_the_managed_identity_endpoint_answers_the_app_service_shape(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    # App Service managed identity REST protocol: X-IDENTITY-HEADER, api-version 2019-08-01, expires_on
    params = {"resource": MDE, "api-version": "2019-08-01"}
    response = requests.get(
        emulator_env["IDENTITY_ENDPOINT"],
        params=params,
        headers={"X-IDENTITY-HEADER": emulator_env["IDENTITY_HEADER"]},
        verify=emulator.ca_file,
        timeout=10,
    )
    body = response.json()
    assert response.status_code == 200
    assert sorted(body) == ["access_token", "client_id", "expires_on", "resource", "token_type"]
    assert body["expires_on"].isdigit() and int(body["expires_on"]) > time.time()
    assert (body["resource"], body["token_type"]) == (MDE, "Bearer")
    anonymous = requests.get(
        emulator_env["IDENTITY_ENDPOINT"], params=params, verify=emulator.ca_file, timeout=10
    )
    assert anonymous.status_code == 401


def test_an_expired_token_is_refused_while_the_apps_other_tokens_work(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    # Reference §7: bad or expired token -> 401; a token expires by itself, not every token of the app
    tenant = emulator_env["MDE_TENANT_ID"]
    first, second = (
        post_token(emulator, tenant, **secret_form(emulator_env)).json()["access_token"]
        for _ in range(2)
    )

    def status(token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{emulator.base_url}/api/indicators"
        return requests.get(url, headers=headers, verify=emulator.ca_file, timeout=10).status_code

    emulator.admin("POST", "faults", {"spec": "api:expire-token"})
    assert status(first) == 401
    assert (status(first), status(second)) == (401, 200)
