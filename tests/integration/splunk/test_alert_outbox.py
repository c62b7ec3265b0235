"""The alert action run as splunkd runs it, its durable outbox in the KV Store, and mderetry.

Faults come from the emulator (429 storm, 503s, expired tokens) or from a dead port (connection refused);
after recovery mderetry must deliver every queued indicator exactly once.
"""

from __future__ import annotations

import re
import socket
from collections import Counter
from typing import Dict, Iterator

import pytest

from mde_testkit.splunk.harness import SplunkHarness, account_settings
from tests.conftest import CANARY_SECRET

OUTBOX = "mde_indicators_outbox"
ALERT = {
    "indicator_field": "sha256",
    "action": "Block",
    "severity": "High",
    "expiration": "30d",
    "account": "flaky",
}


def sha(i: int) -> str:
    return f"{i:064x}"


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def flaky(harness: SplunkHarness, canary_env: Dict[str, str]) -> Iterator[Dict[str, str]]:
    """An account that gives up fast (so faults end in the outbox quickly) and an outbox without waits."""
    settings = {**account_settings(canary_env), "max_attempts": "2", "max_retry_seconds": "2"}
    harness.add_account("flaky", settings, {"client_secret": canary_env["MDE_CLIENT_SECRET"]})
    harness.splunkd.confs["mde_indicators"]["outbox"] = {"base_delay": "0", "max_attempts": "3"}
    yield settings
    harness.splunkd.confs["mde_indicators"].pop("outbox", None)
    harness.remove_account("flaky")


def outbox(harness: SplunkHarness) -> list:
    return harness.splunkd.kvstore.docs(OUTBOX)


def delivered(emulator) -> Counter:
    """How often each value was in a successful import call."""
    stored = {s["indicatorValue"] for s in emulator.admin("GET", "indicators")["value"]}
    counts = Counter(s["indicatorValue"] for s in emulator.admin("GET", "indicators")["value"])
    assert set(counts) == stored
    return counts


def test_alert_imports_every_row_in_batches_of_500_and_audits_them(
    harness: SplunkHarness, emulator
) -> None:
    rows = [{"sha256": sha(i)} for i in range(1, 1101)] + [{"sha256": "oops"}]
    done = harness.alert({**ALERT, "account": ""}, rows)
    assert done.returncode == 1, done.stderr  # one invalid row
    assert "submitted=1100" in done.stderr and "invalid=1" in done.stderr
    imports = [e for e in emulator.requests_log() if e.get("op") == "ImportIndicators"]
    assert [e["items"] for e in imports] == [500, 500, 100]
    sid = re.search(r"INFO sid=(\S+)", done.stderr).group(1)  # type: ignore[union-attr]
    audit = [
        line
        for line in harness.logs().splitlines()
        if 'operation="import"' in line and 'source="alert"' in line and f'sid="{sid}"' in line
    ]
    assert len(audit) == 1101
    assert 'search_name="Block hashes from EDR"' in audit[0] and 'user="analyst"' in audit[0]
    assert outbox(harness) == []


@pytest.mark.parametrize(
    "fault",
    [
        "import:429,count=inf,retry-after=0",
        "import:503,count=inf,retry-after=0",
        "api:expire-token,count=inf",
        "refused",
    ],
    ids=["429-storm", "503s", "expired-token", "connection-refused"],
)
def test_undeliverable_indicators_wait_in_the_outbox_and_are_delivered_once_after_recovery(
    harness: SplunkHarness, emulator, flaky: Dict[str, str], fault: str
) -> None:
    if fault == "refused":
        harness.splunkd.confs["mde_indicators_accounts"]["flaky"]["api_url"] = (
            f"https://127.0.0.1:{dead_port()}"
        )
    else:
        emulator.admin("POST", "faults", {"spec": fault})
    rows = [{"sha256": sha(i)} for i in range(1, 6)] + [{"sha256": "not-a-hash"}]
    done = harness.alert(ALERT, rows)
    assert "queued=5" in done.stderr and "invalid=1" in done.stderr, done.stderr
    entries = outbox(harness)
    assert sorted(e["value"] for e in entries) == [sha(i) for i in range(1, 6)]
    assert all(e["state"] == "pending" and e["attempts"] == 1 and e["last_error"] for e in entries)
    assert delivered(emulator) == Counter()

    emulator.admin("DELETE", "faults")
    harness.splunkd.confs["mde_indicators_accounts"]["flaky"]["api_url"] = flaky["api_url"]
    run = harness.run("mderetry")
    assert run.returncode == 0, run.stderr
    assert sorted(r["mde_value"] for r in run.rows) == [sha(i) for i in range(1, 6)]
    assert {r["mde_status"] for r in run.rows} == {"submitted"}
    assert outbox(harness) == []
    assert delivered(emulator) == Counter({sha(i): 1 for i in range(1, 6)})
    assert harness.run("mderetry").rows == []


def test_entries_are_given_up_after_max_attempts_and_stay_visible(
    harness: SplunkHarness, emulator, flaky
) -> None:
    emulator.admin("POST", "faults", {"spec": "import:503,count=inf,retry-after=0"})
    harness.alert(ALERT, [{"sha256": sha(1)}])
    statuses = [harness.run("mderetry").rows[0]["mde_status"] for _ in range(2)]
    assert statuses == ["queued", "given_up"]
    (entry,) = outbox(harness)
    assert entry["state"] == "given_up" and entry["attempts"] == 3 and "503" in entry["last_error"]
    assert harness.run("mderetry").rows == []


def test_delivering_an_entry_twice_creates_one_indicator(
    harness: SplunkHarness, emulator, flaky
) -> None:
    emulator.admin("POST", "faults", {"spec": "import:503,count=inf,retry-after=0"})
    harness.alert(ALERT, [{"sha256": sha(9)}])
    (entry,) = outbox(harness)
    emulator.admin("DELETE", "faults")
    assert harness.run("mderetry").rows[0]["mde_status"] == "submitted"
    harness.splunkd.kvstore.save(
        OUTBOX, entry
    )  # as if a run died after delivering, before removing it
    assert harness.run("mderetry").rows[0]["mde_status"] == "submitted"
    assert delivered(emulator) == Counter({sha(9): 1})


def test_queueing_the_same_indicator_again_keeps_one_entry(
    harness: SplunkHarness, emulator, flaky
) -> None:
    emulator.admin("POST", "faults", {"spec": "import:503,count=inf,retry-after=0"})
    harness.alert(ALERT, [{"sha256": sha(4)}])
    harness.alert({**ALERT, "action": "Audit"}, [{"sha256": sha(4).upper()}])
    (entry,) = outbox(harness)
    assert entry["action"] == "Audit"


def test_only_owners_with_the_write_capability_can_use_the_alert(
    harness: SplunkHarness, emulator
) -> None:
    done = harness.alert(ALERT, [{"sha256": sha(1)}], user="reader")
    assert done.returncode == 3 and "mde_indicators_write" in done.stderr
    assert not harness.splunkd.paths("/mde_indicators/indicators/import")


def test_usage_and_parameter_errors(harness: SplunkHarness, emulator) -> None:
    assert harness.alert(ALERT, [], argv=()).returncode == 2
    bad = harness.alert(
        {**ALERT, "action": "Nuke", "severity": "Catastrophic"}, [{"sha256": sha(1)}]
    )
    assert (
        bad.returncode == 2
        and "action=Nuke" in bad.stderr
        and "severity=Catastrophic" in bad.stderr
    )


def test_the_secret_never_reaches_stderr_logs_or_the_outbox(
    harness: SplunkHarness, emulator, flaky
) -> None:
    emulator.admin("POST", "faults", {"spec": "import:503,count=inf,retry-after=0"})
    done = harness.alert(ALERT, [{"sha256": sha(2)}])
    harness.run("mderetry")
    assert CANARY_SECRET not in done.stderr + harness.logs() + repr(outbox(harness))
