"""The app's REST endpoint through the fake splunkd: accounts for admins (setup), capability checks, the
credential stored as splunkd names it and read back, and no secret ever coming out."""

from __future__ import annotations

import json
from typing import Dict, List

import requests
import trustme

from mde_testkit.splunk.harness import SplunkHarness, account_settings
from tests.conftest import CANARY_SECRET

REALM = "TA-mde-indicators"
SEP = "``splunk_cred_sep``"


def call(
    harness: SplunkHarness, method: str, path: str, user: str = "admin", body=None
) -> requests.Response:
    return harness.rest(method, path, body, user=user)


def chunks(harness: SplunkHarness, account: str) -> List[Dict[str, str]]:
    """The secrets the fake holds for account, in chunk order."""
    held = harness.splunkd.passwords.secrets
    mine = [c for c in held.values() if c["username"].startswith(account + SEP)]
    return sorted(mine, key=lambda c: int(c["username"].rsplit(SEP, 1)[1]))


def joined(harness: SplunkHarness, account: str) -> str:
    parts = [c["clear_password"] for c in chunks(harness, account)]
    return "".join(parts[:-1])  # the last chunk is the end mark


def token_requests(emulator) -> int:
    return sum(1 for e in emulator.requests_log() if e.get("op") == "token")


def test_an_account_created_on_the_setup_page_passes_test_and_completes_setup(
    harness: SplunkHarness, emulator, canary_env
) -> None:
    harness.splunkd.confs.get("app", {}).pop("install", None)
    assert not harness.splunkd.configured
    form = {"name": "second", **account_settings(canary_env), "client_secret": CANARY_SECRET}
    created = call(harness, "POST", "accounts", body=form)
    assert created.status_code == 200, created.text
    assert created.json()["created"] is True and created.json()["configured"] is True
    assert harness.splunkd.configured and harness.splunkd.reloads >= 1
    # Stored under splunkd's own name for realm and user, readable back through the handler.
    assert json.loads(joined(harness, "second")) == {"client_secret": CANARY_SECRET}
    assert all(c["realm"] == REALM for c in chunks(harness, "second"))
    assert "client_secret" not in harness.splunkd.confs["mde_indicators_accounts"]["second"]
    listed = call(harness, "GET", "accounts")
    assert CANARY_SECRET not in listed.text
    assert {"name": "second", "has_credential": True}.items() <= next(
        a for a in listed.json()["accounts"] if a["name"] == "second"
    ).items()
    tested = call(harness, "POST", "accounts/second/test", body={})
    assert tested.status_code == 200, tested.text
    assert tested.json()["ok"] is True


def test_updating_and_deleting_an_account_change_and_remove_its_secret(
    harness: SplunkHarness, emulator, canary_env
) -> None:
    first = {"name": "rotating", **account_settings(canary_env), "client_secret": "old-secret-1"}
    assert call(harness, "POST", "accounts", body=first).status_code == 200
    assert call(harness, "POST", "accounts/rotating/test", body={}).status_code != 200
    rotated = call(
        harness, "POST", "accounts", body={"name": "rotating", "client_secret": CANARY_SECRET}
    )
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["created"] is False and rotated.json()["credential_updated"] is True
    assert json.loads(joined(harness, "rotating")) == {"client_secret": CANARY_SECRET}
    assert call(harness, "POST", "accounts/rotating/test", body={}).status_code == 200
    deleted = call(harness, "DELETE", "accounts/rotating")
    assert deleted.status_code == 200, deleted.text
    assert "rotating" not in harness.splunkd.confs.get("mde_indicators_accounts", {})
    assert chunks(harness, "rotating") == []
    gone = call(harness, "DELETE", "accounts/rotating")
    assert gone.status_code == 400 and "no MDE account named" in gone.json()["messages"][0]["text"]


def test_a_credential_longer_than_255_characters_is_stored_in_chunks_and_read_back(
    harness: SplunkHarness, emulator, canary_env
) -> None:
    long_secret = "L0ng-" + "s3cret" * 120  # 725 characters
    app = emulator.admin(
        "POST", "apps", {"name": "long-secret-app", "role": "Ti.ReadWrite", "secret": long_secret}
    )
    settings = {**account_settings(canary_env), "client_id": app["clientId"]}
    saved = call(
        harness, "POST", "accounts", body={"name": "long", **settings, "client_secret": long_secret}
    )
    assert saved.status_code == 200, saved.text
    stored = chunks(harness, "long")
    assert len(stored) >= 4 and all(len(c["clear_password"]) <= 255 for c in stored)
    assert call(harness, "POST", "accounts/long/test", body={}).json()["ok"] is True

    pem = trustme.CA().issue_cert("mde.example").private_key_and_cert_chain_pem.bytes().decode()
    cert = call(harness, "POST", "accounts", body={
        "name": "cert", **account_settings(canary_env), "client_certificate": pem,
    })  # fmt: skip
    assert cert.status_code == 200, cert.text
    assert json.loads(joined(harness, "cert"))["client_certificate"] == pem
    assert len(chunks(harness, "cert")) > len(pem) // 255


def test_splunk_cloud_admins_manage_accounts_and_analysts_cannot(
    harness: SplunkHarness, emulator, canary_env
) -> None:
    form = {"name": "cloud", **account_settings(canary_env), "client_secret": CANARY_SECRET}
    saved = call(harness, "POST", "accounts", user="cloudadmin", body=form)
    assert saved.status_code == 200, saved.text
    assert (
        call(harness, "POST", "accounts/cloud/test", user="cloudadmin", body={}).status_code == 200
    )
    refused = call(harness, "GET", "accounts", user="analyst")
    assert refused.status_code == 403
    assert "mde_indicators_admin" in refused.json()["messages"][0]["text"]


def test_an_invalid_account_form_lists_every_problem(harness: SplunkHarness, emulator) -> None:
    bad = {
        "name": "x",
        "client_id": "nope",
        "cloud": "moon",
        "api_url": "http://plain",
        "proxy": "http://u:p@proxy:1",
    }
    answer = call(harness, "POST", "accounts", body=bad)
    assert answer.status_code == 400
    text = answer.json()["messages"][0]["text"]
    for expected in (
        "client_id",
        "cloud must be one of",
        "api_url must be",
        "proxy must be",
        "needs a client_secret",
    ):
        assert expected in text
    assert "x" not in harness.splunkd.confs.get("mde_indicators_accounts", {})


def test_the_handler_never_answers_with_a_secret_or_token(harness: SplunkHarness, emulator) -> None:
    answer = call(
        harness,
        "POST",
        "indicators/import",
        user="analyst",
        body={"indicators": [{"indicatorValue": "x"}]},
    )
    assert answer.status_code == 200
    assert answer.json()["results"][0]["status"] == "invalid"
    assert CANARY_SECRET not in answer.text and "access_token" not in answer.text


def test_a_missing_account_is_a_clear_error(harness: SplunkHarness, emulator) -> None:
    answer = call(harness, "GET", "indicators?account=nosuch", user="reader")
    assert answer.status_code == 400
    assert "no MDE account named 'nosuch'" in answer.json()["messages"][0]["text"]


def test_one_handler_process_signs_in_once_per_account(
    harness: SplunkHarness, emulator, canary_env
) -> None:
    harness.add_account("once", account_settings(canary_env), {"client_secret": CANARY_SECRET})
    try:
        for i in range(3):
            run = harness.run("mdesubmit field=v action=Audit account=once", [{"v": f"{i:064x}"}])
            assert run.rows[0]["mde_status"] == "submitted", run.errors()
        assert len(harness.run("mdelist account=once", user="reader").rows) == 3
        answer = call(harness, "POST", "indicators/import", user="analyst", body={
            "account": "once", "indicators": [{"indicatorValue": "ab" * 32, "action": "Audit"}],
        })  # fmt: skip
        assert answer.json()["results"][0]["status"] == "submitted"
        handler_calls = [p for _, p, _ in harness.splunkd.paths("/mde_indicators/indicators")]
        assert len(handler_calls) >= 5  # each one a new handler object (persistconn)
        assert token_requests(emulator) == 1
    finally:
        harness.remove_account("once")
