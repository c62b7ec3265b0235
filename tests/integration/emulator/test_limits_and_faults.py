"""Rate limits per (app, operation) and every injectable fault, observed over HTTPS."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest
import requests

from mde_emulator import EmulatorServer, Settings
from tests.integration.emulator.conftest import Call, indicator, msal_token

SHA = "a" * 64


def test_documented_limits_return_429_with_retry_after_in_seconds(
    call: Call, emulator: EmulatorServer
) -> None:
    emulator.admin("POST", "limits", {"mode": "documented"})
    limit = emulator.model.operations["ImportIndicators"].rate_limits[0].calls
    statuses = [
        call("POST", "/api/indicators/import", json={"Indicators": [indicator(SHA)]}).status_code
        for _ in range(limit)
    ]
    assert statuses == [200] * limit
    throttled = call("POST", "/api/indicators/import", json={"Indicators": [indicator(SHA)]})
    assert throttled.status_code == 429 and throttled.json()["error"]["code"] == "TooManyRequests"
    assert (
        throttled.headers["Retry-After"].isdigit()
        and 1 <= int(throttled.headers["Retry-After"]) <= 60
    )
    assert (
        call("GET", "/api/indicators").status_code == 200
    )  # other operations keep their own budget


def test_limits_are_per_application(
    call: Call, emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "limits", {"mode": "documented"})
    other = emulator.admin(
        "POST", "apps", {"name": "other", "role": "Ti.ReadWrite.All", "secret": "other-secret-1"}
    )
    other_token = msal_token(emulator_env, other["clientId"], "other-secret-1")
    limit = emulator.model.operations["BatchDeleteIndicators"].rate_limits[0].calls
    for _ in range(limit):
        call("POST", "/api/indicators/BatchDelete", json={"IndicatorIds": ["1"]})
    assert (
        call("POST", "/api/indicators/BatchDelete", json={"IndicatorIds": ["1"]}).status_code == 429
    )
    assert (
        call(
            "POST", "/api/indicators/BatchDelete", json={"IndicatorIds": ["1"]}, token_=other_token
        ).status_code
        == 404
    )


def test_scaled_limits_run_the_windows_faster(call: Call, emulator: EmulatorServer) -> None:
    emulator.admin("POST", "limits", {"mode": "scaled:30"})
    limit = emulator.model.operations["ImportIndicators"].rate_limits[0].calls
    for _ in range(limit):
        call("POST", "/api/indicators/import", json={"Indicators": [indicator(SHA)]})
    throttled = call("POST", "/api/indicators/import", json={"Indicators": [indicator(SHA)]})
    assert throttled.status_code == 429
    assert int(throttled.headers["x-ms-retry-after-ms"]) <= 2100
    time.sleep(int(throttled.headers["x-ms-retry-after-ms"]) / 1000)
    assert (
        call("POST", "/api/indicators/import", json={"Indicators": [indicator(SHA)]}).status_code
        == 200
    )


@pytest.mark.parametrize("mode", ["documented", "scaled:60"])
def test_retry_after_is_whole_seconds_in_every_mode(
    call: Call, emulator: EmulatorServer, mode: str
) -> None:
    """RFC 9110 delay-seconds is 1*DIGIT, which MDE documents as seconds; only a scaled run adds the
    wait in milliseconds (x-ms-retry-after-ms) for clients that can use it."""
    emulator.admin("POST", "limits", {"mode": mode})
    limit = emulator.model.operations["ImportIndicators"].rate_limits[0].calls
    for _ in range(limit):
        call("POST", "/api/indicators/import", json={"Indicators": [indicator(SHA)]})
    throttled = call("POST", "/api/indicators/import", json={"Indicators": [indicator(SHA)]})
    assert throttled.status_code == 429
    assert re.fullmatch(r"[1-9][0-9]*", throttled.headers["Retry-After"])
    precise = throttled.headers.get("x-ms-retry-after-ms")
    if mode == "documented":
        assert precise is None
    else:
        assert precise is not None and re.fullmatch(r"[1-9][0-9]*", precise)
        assert int(throttled.headers["Retry-After"]) == max(1, -(-int(precise) // 1000))


def test_a_fractional_fault_retry_after_is_rounded_up_and_sent_exactly(
    call: Call, emulator: EmulatorServer
) -> None:
    emulator.admin("POST", "faults", {"spec": "list:429,retry-after=0.25"})
    throttled = call("GET", "/api/indicators")
    assert (throttled.headers["Retry-After"], throttled.headers["x-ms-retry-after-ms"]) == (
        "1",
        "250",
    )


@pytest.mark.parametrize(
    ("status", "retry_after"), [(429, "3"), (500, None), (502, None), (503, "2"), (504, None)]
)
def test_status_faults_hit_the_next_n_calls(
    call: Call, emulator: EmulatorServer, status: int, retry_after: str
) -> None:
    emulator.admin(
        "POST", "faults", {"spec": f"submit:{status},count=2,retry-after={retry_after or 1}"}
    )
    first, second, third = (call("POST", "/api/indicators", json=indicator(SHA)) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (status, status, 200)
    assert first.headers.get("Retry-After") == retry_after
    assert call("GET", "/api/indicators").status_code == 200


def test_after_lets_calls_through_first(call: Call, emulator: EmulatorServer) -> None:
    emulator.admin("POST", "faults", {"spec": "list:503,after=2"})
    assert [call("GET", "/api/indicators").status_code for _ in range(4)] == [200, 200, 503, 200]


def test_reset_fault_drops_the_connection(call: Call, emulator: EmulatorServer) -> None:
    emulator.admin("POST", "faults", {"spec": "list:reset"})
    with pytest.raises(requests.ConnectionError):
        call("GET", "/api/indicators")
    assert call("GET", "/api/indicators").status_code == 200


def test_slow_fault_delays_the_response(call: Call, emulator: EmulatorServer) -> None:
    emulator.admin("POST", "faults", {"spec": "get:slow,delay=1.5"})
    started = time.monotonic()
    call("GET", "/api/indicators/1")
    assert time.monotonic() - started >= 1.5


def test_expire_token_fault_invalidates_issued_tokens(
    call: Call, emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "faults", {"spec": "api:expire-token"})
    assert call("GET", "/api/indicators").status_code == 401
    assert call("GET", "/api/indicators").status_code == 401
    assert call("GET", "/api/indicators", token_=msal_token(emulator_env)).status_code == 200


def test_token_faults_make_sign_in_fail(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "faults", {"spec": "token:503,count=inf"})
    url = (
        f"{emulator.base_url}/{emulator_env['MDE_TENANT_ID']}/v2.0/.well-known/openid-configuration"
    )
    assert requests.get(url, verify=emulator.ca_file, timeout=10).status_code == 503


def test_partial_fault_fails_a_fraction_of_import_items(
    call: Call, emulator: EmulatorServer
) -> None:
    emulator.admin("POST", "faults", {"spec": "import:partial,fraction=1"})
    results = call(
        "POST", "/api/indicators/import", json={"Indicators": [indicator(SHA), indicator("b" * 64)]}
    ).json()["value"]
    assert [r["isFailed"] for r in results] == [True, True] and "injected" in results[0][
        "failureReason"
    ]
    assert call("GET", "/api/indicators").json()["value"] == []


def test_bad_fault_specs_are_refused(emulator: EmulatorServer) -> None:
    for spec in (
        "import",
        "nothing:429",
        "import:418",
        "import:429,count=x",
        "import:429,colour=red",
    ):
        with pytest.raises(requests.HTTPError):
            emulator.admin("POST", "faults", {"spec": spec})


def test_admin_api_needs_its_key(emulator: EmulatorServer) -> None:
    response = requests.post(
        f"{emulator.base_url}/_emulator/reset", verify=emulator.ca_file, timeout=10
    )
    assert response.status_code == 401


def test_identity_endpoint_needs_its_header(emulator: EmulatorServer) -> None:
    params = {"api-version": "2019-08-01", "resource": "https://api.securitycenter.microsoft.com"}
    response = requests.get(
        f"{emulator.base_url}/msi/token", params=params, verify=emulator.ca_file, timeout=10
    )
    assert response.status_code == 401


def test_request_log_is_written_as_json_lines(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    with EmulatorServer(Settings(limits="off", request_log=str(log))) as emu:
        token = msal_token(emu.env())
        requests.post(
            f"{emu.base_url}/api/indicators/import",
            json={"Indicators": [indicator(SHA), indicator("x")]},
            headers={"Authorization": f"Bearer {token}"},
            verify=emu.ca_file,
            timeout=10,
        )
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    imported = next(e for e in entries if e["op"] == "ImportIndicators")
    assert (
        imported["method"] == "POST"
        and imported["status"] == 200
        and imported["items"] == 2
        and imported["failed"] == 1
    )
    assert imported["app"] == emu.default_app.client_id and {"token", "oidc"} <= {
        e["op"] for e in entries
    }


@contextmanager
def cli_emulator(env_file: Path, *args: str) -> Iterator[Tuple[subprocess.Popen, Dict[str, str]]]:
    """`mde-indicators emulator --env-file ...` in a process; yields it and the settings it wrote."""
    command = [
        sys.executable,
        "-m",
        "mde_indicators.cli",
        "emulator",
        "--env-file",
        str(env_file),
        *args,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 30
        while not env_file.exists() and time.time() < deadline:
            time.sleep(0.1)
        yield process, dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    finally:
        if process.poll() is None:
            process.terminate()
            process.communicate(timeout=20)


def test_cli_writes_an_env_file_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env_file = tmp_path / "mde.env"
    with cli_emulator(env_file, "--limits", "scaled:10", "--fault", "list:503") as (
        process,
        settings,
    ):
        assert {
            "MDE_API_URL",
            "MDE_AUTHORITY_URL",
            "MDE_CA_BUNDLE",
            "MDE_TENANT_ID",
            "MDE_CLIENT_ID",
            "MDE_CLIENT_SECRET",
        } <= set(settings)
        assert (
            settings["MDE_RATE_LIMIT_SCALE"] == "10" and oct(env_file.stat().st_mode)[-3:] == "600"
        )
        token = msal_token(settings)
        first = requests.get(
            settings["MDE_API_URL"] + "/api/indicators",
            headers={"Authorization": f"Bearer {token}"},
            verify=settings["MDE_CA_BUNDLE"],
            timeout=10,
        )
        assert first.status_code == 503
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
        assert process.returncode == 0 and "stopped" in err
    assert os.path.exists(env_file)


def test_apps_are_registered_from_the_command_line_and_a_config_file(tmp_path: Path) -> None:
    import jwt

    config = tmp_path / "apps.json"
    restricted = {
        "name": "restricted",
        "role": "Ti.ReadWrite",
        "client_id": "11111111-1111-1111-1111-111111111111",
        "secret": "restricted-secret-1",
    }
    config.write_text(json.dumps({"apps": [restricted]}))
    full = "name=full,role=Ti.ReadWrite.All,client-id=22222222-2222-2222-2222-222222222222,secret=full-secret-1"
    with cli_emulator(tmp_path / "mde.env", "--config", str(config), "--app", full) as (
        _,
        settings,
    ):
        for client_id, secret, role in (
            ("11111111-1111-1111-1111-111111111111", "restricted-secret-1", "Ti.ReadWrite"),
            ("22222222-2222-2222-2222-222222222222", "full-secret-1", "Ti.ReadWrite.All"),
        ):
            token = msal_token(settings, client_id, secret)
            assert jwt.decode(token, options={"verify_signature": False})["roles"] == [role]
