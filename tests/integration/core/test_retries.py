"""Retries over real HTTPS against injected faults: Retry-After honoured, bounded, POSTs included."""

from __future__ import annotations

import time
from typing import Dict, List, Tuple

import pytest

from mde_emulator import EmulatorServer
from mde_indicators.client import IndicatorsClient
from mde_indicators.errors import RateLimited, ServerError, TransportError
from tests.conftest import make_client

SHA = "a" * 64
BODY = {
    "indicatorValue": SHA,
    "indicatorType": "FileSha256",
    "action": "Block",
    "title": "t",
    "description": "d",
}


def calls(emulator: EmulatorServer, op: str) -> List[dict]:
    return [e for e in emulator.requests_log() if e.get("op") == op]


def import_past_the_limit(
    emulator: EmulatorServer, client: IndicatorsClient
) -> Tuple[int, List[object]]:
    """Two more import calls than the per-minute limit; the limit and the statuses the emulator logged."""
    limit = emulator.model.operations["ImportIndicators"].rate_limits[0].calls
    for _ in range(limit + 2):
        client.import_batch([BODY])
    return limit, [e["status"] for e in calls(emulator, "ImportIndicators")]


def test_429_waits_at_least_retry_after_then_succeeds(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "faults", {"spec": "list:429,count=2,retry-after=1"})
    client = make_client(emulator_env)
    client.transport.tokens.token()
    started = time.monotonic()
    assert client.list_page()["value"] == []
    assert time.monotonic() - started >= 2.0
    log = calls(emulator, "ListIndicators")
    assert [e["status"] for e in log] == [429, 429, 200]
    assert log[1]["ts"] - log[0]["ts"] >= 1.0 and log[2]["ts"] - log[1]["ts"] >= 1.0


def test_a_precise_millisecond_wait_is_preferred_to_whole_seconds(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "faults", {"spec": "list:429,retry-after=0.2"})  # Retry-After: 1, 200 ms
    client = make_client(emulator_env)
    client.transport.tokens.token()
    assert client.list_page()["value"] == []
    first, second = calls(emulator, "ListIndicators")
    assert (first["status"], second["status"]) == (429, 200)
    assert 0.2 <= second["ts"] - first["ts"] < 0.9


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_for_posts_too(
    emulator: EmulatorServer, emulator_env: Dict[str, str], status: int
) -> None:
    emulator.admin("POST", "faults", {"spec": f"import:{status},count=2,retry-after=0"})
    results = make_client(emulator_env).import_batch([BODY])
    assert results[0]["isFailed"] is False
    assert [e["status"] for e in calls(emulator, "ImportIndicators")] == [status, status, 200]


def test_connection_reset_is_retried(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "faults", {"spec": "submit:reset"})
    entity = make_client(emulator_env).submit(BODY)
    assert entity["indicatorValue"] == SHA
    assert [e["status"] for e in calls(emulator, "SubmitIndicator")] == ["reset", 200]
    assert len(emulator.admin("GET", "indicators")["value"]) == 1


def test_read_timeout_is_retried_and_the_upsert_does_not_duplicate(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "faults", {"spec": "import:slow,delay=2"})
    client = make_client(emulator_env, read_timeout=0.5)
    assert client.import_batch([BODY])[0]["isFailed"] is False
    time.sleep(2)  # let the slow first call finish on the server
    assert len(emulator.admin("GET", "indicators")["value"]) == 1


def test_retries_stop_after_the_attempt_budget(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "faults", {"spec": "list:500,count=inf"})
    with pytest.raises(ServerError):
        make_client(emulator_env, max_attempts=3).list_page()
    assert len(calls(emulator, "ListIndicators")) == 3


def test_retry_after_beyond_the_time_budget_fails_fast_with_retry_after(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "faults", {"spec": "list:429,count=inf,retry-after=60"})
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        make_client(emulator_env, max_retry_seconds=5).list_page()
    assert time.monotonic() - started < 5
    assert caught.value.retry_after == 60
    assert len(calls(emulator, "ListIndicators")) == 1


def test_connection_refused_is_a_transport_error_after_retries(
    emulator_env: Dict[str, str],
) -> None:
    env = dict(emulator_env, MDE_API_URL="https://127.0.0.1:9")
    with pytest.raises(TransportError, match="attempt"):
        make_client(env, max_attempts=2).list_page()


def test_untrusted_certificate_is_refused_not_ignored(emulator_env: Dict[str, str]) -> None:
    env = {k: v for k, v in emulator_env.items() if k != "MDE_CA_BUNDLE"}
    client = make_client(env)
    with pytest.raises(Exception, match=r"(?i)certificate|TLS"):
        client.list_page()


def test_documented_rate_limit_429s_are_honoured_under_scaled_limits(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "limits", {"mode": "scaled:10"})
    client = make_client(
        emulator_env, rate_limit_scale=1_000_000.0
    )  # the client budget off: let the server throttle
    limit, statuses = import_past_the_limit(emulator, client)
    assert statuses.count(200) == limit + 2 and 429 in statuses


def test_client_budget_avoids_429s_under_scaled_limits(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "limits", {"mode": "scaled:20"})
    client = make_client(emulator_env, rate_limit_scale=20.0)
    limit, statuses = import_past_the_limit(emulator, client)
    assert statuses == [200] * (limit + 2)


def test_a_callers_deadline_bounds_retries_and_sends_nothing_once_passed(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "faults", {"spec": "import:429,count=inf,retry-after=1"})
    client = make_client(emulator_env, max_retry_seconds=120, max_attempts=100)
    started = time.monotonic()
    with client.transport.until(started + 3), pytest.raises(RateLimited):
        client.import_batch([BODY])
    assert time.monotonic() - started < 5
    tried = len(calls(emulator, "ImportIndicators"))
    assert tried >= 2
    with client.transport.until(time.monotonic() - 1), pytest.raises(TransportError) as late:
        client.import_batch([BODY])
    assert late.value.code == "deadline" and late.value.retryable
    assert len(calls(emulator, "ImportIndicators")) == tried
    assert client.transport.deadline is None
