"""The alert action within splunkd's limits: big multivalue results, maxtime under sustained throttling."""

from __future__ import annotations

from collections import Counter
from typing import Dict, Iterator

import pytest

from mde_testkit.splunk.harness import SplunkHarness, account_settings

OUTBOX = "mde_indicators_outbox"


def sha(i: int) -> str:
    return f"{i:064x}"


def imports(emulator) -> list:
    return [e for e in emulator.requests_log() if e.get("op") == "ImportIndicators"]


@pytest.fixture()
def patient(harness: SplunkHarness, canary_env: Dict[str, str]) -> Iterator[str]:
    """An account that would retry a throttled batch for two minutes, longer than the alert may run."""
    settings = {**account_settings(canary_env), "max_retry_seconds": "120", "max_attempts": "50"}
    harness.add_account("patient", settings, {"client_secret": canary_env["MDE_CLIENT_SECRET"]})
    yield "patient"
    harness.remove_account("patient")
    harness.splunkd.confs.pop("alert_actions", None)


def test_a_2000_value_multivalue_result_is_submitted(harness: SplunkHarness, emulator) -> None:
    hashes = [sha(i) for i in range(1, 2001)]
    done = harness.alert({"indicator_field": "sha256", "action": "Audit"}, [{"sha256": hashes}])
    assert done.returncode == 0, done.stderr
    assert "submitted=2000" in done.stderr
    assert [e["items"] for e in imports(emulator)] == [500, 500, 500, 500]


def test_an_alert_under_sustained_429s_ends_before_maxtime_with_every_row_submitted_or_queued(
    harness: SplunkHarness, emulator, patient: str
) -> None:
    harness.splunkd.confs["alert_actions"] = {"mde_submit_indicator": {"maxtime": "20s"}}
    emulator.admin("POST", "faults", {"spec": "import:429,count=inf,after=1,retry-after=1"})
    rows = [{"sha256": sha(i)} for i in range(1, 1201)]
    done = harness.alert({"indicator_field": "sha256", "action": "Block", "account": patient}, rows)
    assert not done.killed and done.elapsed < 20, done.stderr
    assert done.returncode == 0, done.stderr
    assert "submitted=500" in done.stderr and "queued=700" in done.stderr
    queued = harness.splunkd.kvstore.docs(OUTBOX)
    delivered = {s["indicatorValue"] for s in emulator.admin("GET", "indicators")["value"]}
    assert len(queued) == 700 and not delivered & {q["value"] for q in queued}
    assert delivered | {q["value"] for q in queued} == {r["sha256"] for r in rows}
    assert Counter(q["state"] for q in queued) == {"pending": 700}
