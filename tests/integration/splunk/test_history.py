"""The submission history the dashboard reads: every result in a KV Store collection the app's roles may
read (never _internal), local results included, kept [audit] retention_days."""

from __future__ import annotations

import time
from collections import Counter

from mde_testkit.splunk.harness import SplunkHarness

COLLECTION = "mde_indicators_audit"


def path(harness: SplunkHarness) -> str:
    return f"/servicesNS/nobody/{harness.app_dir.name}/storage/collections/data/{COLLECTION}"


def test_every_result_reaches_the_history_the_app_roles_read(
    harness: SplunkHarness, emulator
) -> None:
    rows = [{"v": "a" * 64}, {"v": "b" * 64}, {"v": "A" * 64}, {"v": "nope"}]
    run = harness.run("mdesubmit field=v action=Audit", rows)
    assert [r["mde_status"] for r in run.rows] == ["submitted", "submitted", "duplicate", "invalid"]
    docs = harness.splunkd.kvstore.docs(COLLECTION)
    assert Counter(d["status"] for d in docs) == {"submitted": 2, "duplicate": 1, "invalid": 1}
    assert {d["user"] for d in docs} == {"analyst"} and {d["source"] for d in docs} == {"mdesubmit"}
    for user in ("reader", "analyst", "cloudadmin", "admin"):
        answer = harness.call("GET", path(harness), user=user)
        assert answer.status_code == 200 and len(answer.json()) == 4, user
    assert harness.call("GET", path(harness), user="guest").status_code == 403
    assert (
        harness.call("POST", path(harness), {"status": "forged"}, user="analyst").status_code == 403
    )


def test_the_scheduled_delivery_prunes_history_past_its_retention(
    harness: SplunkHarness, emulator
) -> None:
    now = time.time()
    harness.splunkd.kvstore.save(COLLECTION, {"time": now - 31 * 86400, "status": "submitted"})
    harness.splunkd.kvstore.save(COLLECTION, {"time": now - 29 * 86400, "status": "submitted"})
    assert harness.run("mderetry").returncode == 0
    kept = harness.splunkd.kvstore.docs(COLLECTION)
    assert [round((now - d["time"]) / 86400) for d in kept] == [29]
