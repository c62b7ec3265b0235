"""Sign-in through msal against the emulator over HTTPS: secret, certificate, managed identity, renewal."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest
import trustme

from mde_emulator import EmulatorServer
from mde_indicators.errors import AuthenticationError, PermissionDenied
from tests.conftest import CANARY_SECRET, make_client


def token_calls(emulator: EmulatorServer) -> int:
    return sum(1 for e in emulator.requests_log() if e.get("op") in ("token", "msi"))


def test_client_secret_signs_in_and_lists(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    assert list(make_client(emulator_env).iter_indicators()) == []
    assert token_calls(emulator) == 1


def test_token_is_cached_across_calls(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    client = make_client(emulator_env)
    for _ in range(3):
        client.list_page()
    assert token_calls(emulator) == 1


def test_wrong_secret_is_an_authentication_error_without_the_secret(
    emulator_env: Dict[str, str],
) -> None:
    with pytest.raises(AuthenticationError) as caught:
        make_client(emulator_env, client_secret=CANARY_SECRET + "-wrong").list_page()
    assert "7000215" in str(caught.value)
    assert CANARY_SECRET not in str(caught.value) and CANARY_SECRET not in repr(
        caught.value.__dict__
    )


def test_unknown_tenant_is_an_authentication_error(emulator_env: Dict[str, str]) -> None:
    with pytest.raises(AuthenticationError):
        make_client(emulator_env, tenant_id="11111111-2222-3333-4444-555555555555").list_page()


def test_certificate_credential_signs_in_with_a_verified_assertion(
    emulator: EmulatorServer, emulator_env: Dict[str, str], tmp_path: Path
) -> None:
    ca = trustme.CA(key_type=trustme.KeyType.RSA)
    leaf = ca.issue_cert("mde-indicators-client.example", key_type=trustme.KeyType.RSA)
    pem = tmp_path / "client.pem"
    pem.write_bytes(leaf.private_key_and_cert_chain_pem.bytes())
    pem.chmod(0o600)  # a private key readable by others is refused
    cert_only = tmp_path / "cert.pem"
    cert_only.write_bytes(leaf.cert_chain_pems[0].bytes())
    app = emulator.admin(
        "POST",
        "apps",
        {"name": "cert-app", "role": "Ti.ReadWrite", "certificatePem": cert_only.read_text()},
    )
    env = dict(emulator_env, MDE_CLIENT_ID=app["clientId"])
    env.pop("MDE_CLIENT_SECRET")
    client = make_client(env, client_certificate=str(pem))
    assert client.list_page()["value"] == []


def test_certificate_of_another_key_is_refused(
    emulator: EmulatorServer, emulator_env: Dict[str, str], tmp_path: Path
) -> None:
    registered = trustme.CA(key_type=trustme.KeyType.RSA).issue_cert(
        "registered.example", key_type=trustme.KeyType.RSA
    )
    other = trustme.CA(key_type=trustme.KeyType.RSA).issue_cert(
        "other.example", key_type=trustme.KeyType.RSA
    )
    app = emulator.admin(
        "POST",
        "apps",
        {
            "name": "cert-app-2",
            "role": "Ti.ReadWrite",
            "certificatePem": registered.cert_chain_pems[0].bytes().decode(),
        },
    )
    pem = tmp_path / "other.pem"
    pem.write_bytes(other.private_key_and_cert_chain_pem.bytes())
    pem.chmod(0o600)
    env = dict(emulator_env, MDE_CLIENT_ID=app["clientId"])
    env.pop("MDE_CLIENT_SECRET")
    with pytest.raises(AuthenticationError, match="700027"):
        make_client(env, client_certificate=str(pem)).list_page()


@pytest.mark.parametrize("identity", ["system", "user"])
def test_managed_identity_gets_tokens_from_the_identity_endpoint(
    emulator: EmulatorServer,
    emulator_env: Dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    identity: str,
) -> None:
    monkeypatch.setenv("IDENTITY_ENDPOINT", emulator_env["IDENTITY_ENDPOINT"])
    monkeypatch.setenv("IDENTITY_HEADER", emulator_env["IDENTITY_HEADER"])
    which = "system"
    if identity == "user":
        which = emulator.admin(
            "POST",
            "apps",
            {"name": "user-identity", "role": "Ti.ReadWrite", "managedIdentity": "user"},
        )["clientId"]
    env = {
        k: v
        for k, v in emulator_env.items()
        if k not in ("MDE_CLIENT_SECRET", "MDE_CLIENT_ID", "MDE_TENANT_ID")
    }
    client = make_client(env, managed_identity=which)
    assert client.list_page()["value"] == []
    assert [e["op"] for e in emulator.requests_log()].count("msi") == 1


def test_app_without_an_indicator_role_gets_permission_denied(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    app = emulator.admin("POST", "apps", {"name": "no-role", "secret": "s3cret-no-role"})
    env = dict(emulator_env, MDE_CLIENT_ID=app["clientId"], MDE_CLIENT_SECRET="s3cret-no-role")
    with pytest.raises(PermissionDenied) as caught:
        make_client(env).list_page()
    assert caught.value.status == 403 and caught.value.code == "Forbidden"


def test_expired_token_is_renewed_once_and_the_call_succeeds(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    client = make_client(emulator_env)
    client.list_page()
    emulator.admin("POST", "faults", {"spec": "api:expire-token"})
    assert client.list_page()["value"] == []
    log = emulator.requests_log()
    assert [e["status"] for e in log if e["op"] == "ListIndicators"] == [200, 401, 200]
    assert token_calls(emulator) == 2


def test_persistent_401_is_not_retried_forever(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "faults", {"spec": "api:expire-token,count=inf"})
    with pytest.raises(AuthenticationError):
        make_client(emulator_env).list_page()
    assert [e["status"] for e in emulator.requests_log() if e["op"] == "ListIndicators"] == [
        401,
        401,
    ]


def test_an_ec_key_is_a_configuration_error_not_a_sign_in_failure(
    emulator_env: Dict[str, str], tmp_path: Path
) -> None:
    from mde_indicators.errors import ConfigurationError

    pem = tmp_path / "ec.pem"
    pem.write_bytes(trustme.CA().issue_cert("ec.example").private_key_and_cert_chain_pem.bytes())
    pem.chmod(0o600)
    env = {k: v for k, v in emulator_env.items() if k != "MDE_CLIENT_SECRET"}
    with pytest.raises(ConfigurationError, match="RSA"):
        make_client(env, client_certificate=str(pem)).list_page()
