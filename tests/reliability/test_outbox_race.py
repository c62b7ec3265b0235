"""The outbox loses no update in a search head cluster: while one member's mderetry delivers an entry,
another member's alert queues the same indicator again with new content; the delivery must not delete the
new entry, which is then delivered in its turn.

Two fake search heads share one KV Store (as cluster members share the replicated collection), each with
its own REST handler process.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, Dict

from mde_emulator import EmulatorServer
from mde_testkit.splunk.harness import SplunkHarness, account_settings
from tests.reliability.hostile import Figures

FIGURES = Figures("outbox-race")
_figures = FIGURES.fixture()
OUTBOX = "mde_indicators_outbox"
VALUE = "9" * 64


def alert(member: SplunkHarness, severity: str) -> None:
    config = {
        "indicator_field": "v",
        "action": "Block",
        "severity": severity,
        "account": "race",
    }
    done = member.alert(config, [{"v": VALUE}])
    assert done.returncode == 0, done.stderr


def entry(member: SplunkHarness) -> Dict[str, Any]:
    (found,) = member.splunkd.kvstore.docs(OUTBOX)
    return dict(found)


def test_an_entry_queued_again_during_delivery_is_not_deleted(
    splunk: SplunkHarness, emulator: EmulatorServer, tmp_path: Path
) -> None:
    env = emulator.env()
    settings = {**account_settings(env), "max_attempts": "1", "max_retry_seconds": "30"}
    secret = {"client_secret": env["MDE_CLIENT_SECRET"]}
    with SplunkHarness(splunk.app_dir, splunk.python, tmp_path / "member-b", env) as member_b:
        member_a = splunk
        member_b.splunkd.kvstore = member_a.splunkd.kvstore  # one replicated collection
        for member in (member_a, member_b):
            member.add_account("race", settings, secret)
            member.splunkd.confs["mde_indicators"]["outbox"] = {"base_delay": "0"}

        emulator.admin("POST", "faults", {"spec": "import:503"})
        alert(member_a, "Low")  # MDE unavailable: queued
        assert json.loads(entry(member_a)["indicator"])["severity"] == "Low"

        # Member A delivers; its import takes 4 s. Meanwhile member B queues the value again.
        emulator.admin("POST", "faults", {"spec": ["import:slow,delay=4", "import:503"]})
        delivery: Dict[str, Any] = {}
        worker = threading.Thread(
            target=lambda: delivery.update(run=member_a.run("mderetry")), daemon=True
        )
        worker.start()
        deadline = time.monotonic() + 30
        while any("slow" in f["spec"] for f in emulator.admin("GET", "faults")["value"]):
            assert time.monotonic() < deadline, "the delivery never started"
            time.sleep(0.05)
        alert(member_b, "High")
        worker.join(60)
        assert [r["mde_status"] for r in delivery["run"].rows] == ["submitted"]

        kept = entry(member_a)
        assert json.loads(kept["indicator"])["severity"] == "High", kept
        assert kept["state"] == "pending"
        again = member_b.run("mderetry")
        assert [r["mde_status"] for r in again.rows] == ["submitted"]
        assert member_a.splunkd.kvstore.docs(OUTBOX) == []
    (row,) = [
        r for r in emulator.admin("GET", "indicators")["value"] if r["indicatorValue"] == VALUE
    ]
    assert row["severity"] == "High"
    FIGURES.add("re-queued during delivery, two search heads", attacks=1, entries_lost=0)
