"""The app's REST endpoint through the fake splunkd: accounts for admins, capability checks, no secret out."""

from __future__ import annotations

import json

import requests

from mde_testkit.splunk.harness import SplunkHarness, account_settings
from tests.conftest import CANARY_SECRET

BASE = "/services/mde_indicators"


def call(
    harness: SplunkHarness, method: str, path: str, user: str = "admin", body=None
) -> requests.Response:
    splunkd = harness.splunkd
    return requests.request(
        method,
        f"{splunkd.uri}{BASE}/{path}",
        params={"output_mode": "json"},
        data=json.dumps(body) if body is not None else None,
        headers={
            "Authorization": f"Splunk {splunkd.token(user)}",
            "Content-Type": "application/json",
        },
        timeout=60,
    )


def test_admin_creates_tests_and_deletes_an_account_without_the_secret_coming_back(
    harness: SplunkHarness, emulator, canary_env
) -> None:
    form = {"name": "second", **account_settings(canary_env), "client_secret": CANARY_SECRET}
    created = call(harness, "POST", "accounts", body=form)
    assert created.status_code == 200, created.text
    assert created.json()["created"] is True
    stored = harness.splunkd.passwords["TA-mde-indicators:second:"]
    assert json.loads(stored["clear_password"]) == {"client_secret": CANARY_SECRET}
    assert "client_secret" not in harness.splunkd.confs["mde_indicators_accounts"]["second"]
    listed = call(harness, "GET", "accounts")
    assert CANARY_SECRET not in listed.text
    assert {"name": "second", "has_credential": True}.items() <= next(
        a for a in listed.json()["accounts"] if a["name"] == "second"
    ).items()
    tested = call(harness, "POST", "accounts/second/test", body={})
    assert tested.status_code == 200 and tested.json()["ok"] is True
    assert call(harness, "DELETE", "accounts/second").status_code == 200
    assert "second" not in harness.splunkd.confs["mde_indicators_accounts"]
    assert "TA-mde-indicators:second:" not in harness.splunkd.passwords


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
    text = answer.json()["error"]
    for expected in (
        "client_id",
        "cloud must be one of",
        "api_url must be",
        "proxy must be",
        "needs a client_secret",
    ):
        assert expected in text
    assert "x" not in harness.splunkd.confs.get("mde_indicators_accounts", {})


def test_analysts_cannot_manage_accounts(harness: SplunkHarness, emulator) -> None:
    answer = call(harness, "GET", "accounts", user="analyst")
    assert answer.status_code == 403 and "mde_indicators_admin" in answer.text


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
    assert answer.status_code == 400 and "no MDE account named 'nosuch'" in answer.text
