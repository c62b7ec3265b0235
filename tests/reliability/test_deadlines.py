"""A deadline on every call: a sign-in endpoint that never answers, or an API that trickles one byte at a time
(which no per-read timeout notices), ends the run in bounded time with a network error; a sign-in that
cannot reach the service is retried like an API call and reported as a network error, not as a rejected
credential; in Splunk, an account stuck that way does not keep the REST handler from answering for others."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List

from mde_emulator import EmulatorServer
from mde_testkit.splunk.harness import SplunkHarness, account_settings
from tests.reliability.hostile import Figures, HostileServer, authority, silent, trickle

FIGURES = Figures("deadlines")
_figures = FIGURES.fixture()
# Short timeouts so that each hostile case ends in seconds; the bound allows a loaded 2-core machine.
FAST = {"MDE_CONNECT_TIMEOUT": "1", "MDE_READ_TIMEOUT": "2", "MDE_MAX_ATTEMPTS": "2"}
BUDGET = 6.0
BOUND = 30.0


def cli(
    args: List[str], env: Dict[str, str], timeout: float = BOUND
) -> subprocess.CompletedProcess:
    """The real CLI in its own process, so that a hang fails the test instead of stalling the suite."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MDE_")}
    full = {**inherited, **env, **FAST, "MDE_MAX_RETRY_SECONDS": str(BUDGET)}
    full["MDE_INDICATORS_CONFIG"] = "/nonexistent/config.toml"
    try:
        return subprocess.run(
            [sys.executable, "-m", "mde_indicators.cli", *args],
            env=full,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"mde-indicators {' '.join(args)} still running after {timeout:.0f} s"
        ) from None


def hostile_env(
    emulator_env: Dict[str, str], server: HostileServer, tmp: Path, **urls: str
) -> Dict[str, str]:
    """The emulator's settings with some URLs pointing at server (whose CA is trusted as well)."""
    bundle = tmp / "trusted.pem"
    bundle.write_bytes(
        Path(emulator_env["MDE_CA_BUNDLE"]).read_bytes() + server.ca.cert_pem.bytes()
    )
    env = dict(emulator_env, MDE_CA_BUNDLE=str(bundle))
    env.update({name: server.url for name in urls.values()})
    return env


def test_a_silent_sign_in_endpoint_ends_in_bounded_time_as_a_network_error(
    emulator_env: Dict[str, str], tmp_path: Path
) -> None:
    with HostileServer(silent) as server:
        env = hostile_env(emulator_env, server, tmp_path, authority="MDE_AUTHORITY_URL")
        started = time.monotonic()
        done = cli(["list"], env)
        elapsed = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert "network" in done.stderr and "Traceback" not in done.stderr
    assert elapsed < BUDGET + 10, elapsed
    FIGURES.add("silent token endpoint", attacks=1, seconds=round(elapsed, 1), exit=done.returncode)


def test_an_api_trickling_a_byte_at_a_time_ends_within_the_budget(
    emulator_env: Dict[str, str], tmp_path: Path
) -> None:
    with HostileServer(trickle(0.25)) as server:
        env = hostile_env(emulator_env, server, tmp_path, api="MDE_API_URL")
        started = time.monotonic()
        done = cli(["list"], env)
        elapsed = time.monotonic() - started
        calls = len(server.received)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "ListIndicators failed after" in done.stderr
    assert elapsed < BUDGET + 10 and 1 <= calls <= 2, (elapsed, calls)
    FIGURES.add("API trickling 1 byte / 0.25 s", attacks=1, seconds=round(elapsed, 1), calls=calls)


def test_a_trickling_sign_in_endpoint_ends_within_the_budget(
    emulator_env: Dict[str, str], tmp_path: Path
) -> None:
    with HostileServer(authority(trickle(0.25))) as server:
        env = hostile_env(emulator_env, server, tmp_path, authority="MDE_AUTHORITY_URL")
        started = time.monotonic()
        done = cli(["list"], env)
        elapsed = time.monotonic() - started
    assert done.returncode == 1 and "network" in done.stderr, done.stderr
    assert elapsed < BUDGET + 10, elapsed
    FIGURES.add("token endpoint trickling", attacks=1, seconds=round(elapsed, 1))


def test_sign_in_resets_are_retried_like_api_calls(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "faults", {"spec": "token:reset,count=1"})
    done = cli(["list", "--json"], emulator_env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
    signins = [e for e in emulator.requests_log() if e.get("op") in ("oidc", "token")]
    assert [e["status"] for e in signins][:2] == ["reset", 200]
    FIGURES.add("sign-in connection reset once", faults=1, survived=1)


def test_a_sign_in_that_cannot_connect_is_a_network_error_not_a_credential_error(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "faults", {"spec": "token:reset,count=inf"})
    done = cli(["list"], emulator_env)
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert "network problem, not a rejected credential" in done.stderr
    attempts = [e for e in emulator.requests_log() if e.get("status") == "reset"]
    assert len(attempts) == int(FAST["MDE_MAX_ATTEMPTS"])
    FIGURES.add("sign-in unreachable", faults=1, exit=done.returncode, attempts=len(attempts))


def test_a_stuck_account_does_not_keep_the_handler_from_answering_for_another(
    splunk_session: SplunkHarness, emulator: EmulatorServer, tmp_path: Path
) -> None:
    """One search submits through an account whose API trickles; another, a moment later, through a
    healthy account: both get their answer in bounded time, and the healthy one its indicator."""
    env = emulator.env()
    with (
        HostileServer(trickle(0.25)) as server,
        SplunkHarness(
            splunk_session.app_dir, splunk_session.python, tmp_path / "home", env
        ) as harness,
    ):
        bundle = tmp_path / "trusted.pem"
        bundle.write_bytes(Path(env["MDE_CA_BUNDLE"]).read_bytes() + server.ca.cert_pem.bytes())
        stuck = {
            **account_settings(env),
            "api_url": server.url,
            "ca_bundle": str(bundle),
            "connect_timeout": "1",
            "read_timeout": "2",
            "max_attempts": "2",
            "max_retry_seconds": str(BUDGET),
        }
        harness.add_account("stuck", stuck, {"client_secret": env["MDE_CLIENT_SECRET"]})
        runs: Dict[str, object] = {}

        def submit(account: str, value: str) -> None:
            started = time.monotonic()
            run = harness.run(
                f"mdesubmit field=v action=Block account={account}", [{"v": value}], timeout=BOUND
            )
            runs[account] = (run, time.monotonic() - started)

        first = threading.Thread(target=submit, args=("stuck", "a" * 64), daemon=True)
        first.start()
        time.sleep(1.0)  # the stuck call is under way in the handler
        second = threading.Thread(target=submit, args=("primary", "b" * 64), daemon=True)
        second.start()
        first.join(BOUND + 10)
        second.join(BOUND + 10)
    assert set(runs) == {"stuck", "primary"}, "a run did not end"
    stuck_run, stuck_seconds = runs["stuck"]  # type: ignore[misc]
    healthy_run, healthy_seconds = runs["primary"]  # type: ignore[misc]
    assert stuck_run.rows[0]["mde_status"] == "failed", stuck_run.rows
    assert healthy_run.rows[0]["mde_status"] == "submitted", healthy_run.rows
    assert stuck_seconds < BUDGET + 15 and healthy_seconds < BUDGET + 15
    stored = {r["indicatorValue"] for r in emulator.admin("GET", "indicators")["value"]}
    assert "b" * 64 in stored
    FIGURES.add(
        "Splunk: stuck account, then a healthy one",
        attacks=1,
        stuck_seconds=round(stuck_seconds, 1),
        healthy_seconds=round(healthy_seconds, 1),
        rows_lost=0,
    )
