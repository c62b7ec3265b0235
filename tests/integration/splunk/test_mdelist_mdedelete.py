"""mdelist (generating) and mdedelete (streaming) driven as splunkd drives them, against the emulator."""

from __future__ import annotations

from mde_testkit.splunk.harness import SplunkHarness


def sha(i: int) -> str:
    return f"{i:064x}"


def seed(harness: SplunkHarness, count: int, action: str = "Block") -> list:
    rows = [{"v": sha(i)} for i in range(1, count + 1)]
    run = harness.run(f"mdesubmit field=v action={action} title=seeded", rows)
    return [r["mde_indicator_id"] for r in run.rows]


def test_mdelist_pages_one_event_per_indicator_with_every_field(
    harness: SplunkHarness, emulator
) -> None:
    seed(harness, 7)
    run = harness.run("mdelist action=block", maxresultrows=3)
    assert run.returncode == 0, run.stderr
    assert len(run.rows) == 7 and len(run.replies) >= 3
    event = run.rows[0]
    assert {
        "id",
        "indicatorValue",
        "indicatorType",
        "action",
        "title",
        "lastUpdateTime",
        "_time",
    } <= set(event)
    assert event["action"] == "Block" and float(event["_time"]) > 1.7e9


def test_mdelist_filters_are_escaped_and_values_normalised(
    harness: SplunkHarness, emulator
) -> None:
    seed(harness, 3)
    run = harness.run(f"mdelist value={sha(2).upper()}")
    assert [r["indicatorValue"] for r in run.rows] == [sha(2)]
    quoted = harness.run('mdelist title="it\'s seeded"')
    assert quoted.returncode == 0 and quoted.rows == []
    limited = harness.run("mdelist filter=\"indicatorType eq 'FileSha256'\" max=2")
    assert len(limited.rows) == 2


def test_mdelist_needs_only_the_read_capability(harness: SplunkHarness, emulator) -> None:
    seed(harness, 1)
    assert len(harness.run("mdelist", user="reader").rows) == 1
    refused = harness.run("mdelist", user="guest")
    assert refused.returncode == 1 and "mde_indicators_read" in refused.errors()[0]


def test_mdedelete_by_id_reports_each_row(harness: SplunkHarness, emulator) -> None:
    ids = seed(harness, 3)
    rows = [{"id": ids[0]}, {"id": ids[1]}, {"id": ids[0]}, {"id": "999999"}, {"id": "abc"}]
    run = harness.run("mdedelete id_field=id", rows, chunk_size=2)
    assert [r["mde_status"] for r in run.rows] == [
        "deleted",
        "deleted",
        "duplicate",
        "not_found",
        "invalid",
    ]
    left = [s["id"] for s in emulator.admin("GET", "indicators")["value"]]
    assert left == [ids[2]]


def test_mdedelete_by_value_looks_the_ids_up(harness: SplunkHarness, emulator) -> None:
    seed(harness, 2)
    run = harness.run("mdedelete field=v type=FileSha256", [{"v": sha(1).upper()}, {"v": sha(9)}])
    assert [r["mde_status"] for r in run.rows] == ["deleted", "not_found"]
    assert [s["indicatorValue"] for s in emulator.admin("GET", "indicators")["value"]] == [sha(2)]


def test_mdedelete_wants_exactly_one_of_id_field_and_field(
    harness: SplunkHarness, emulator
) -> None:
    run = harness.run("mdedelete id_field=a field=b", [{"a": "1"}])
    assert run.returncode == 1 and "not both" in run.errors()[0]
