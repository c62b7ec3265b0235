"""mdesubmit driven exactly as splunkd drives it (chunked protocol, several chunks) against the emulator."""

from __future__ import annotations

from mde_indicators.results import Status
from mde_indicators_build.splunk.render import app_spec
from mde_testkit.splunk.harness import SplunkHarness
from tests.conftest import CANARY_SECRET

STATUS_FIELDS = app_spec().STATUS_FIELDS


def sha(i: int) -> str:
    return f"{i:064x}"


def imports(emulator) -> list:
    return [e for e in emulator.requests_log() if e.get("op") == "ImportIndicators"]


def test_an_analyst_submits_the_distinct_valid_rows_of_a_search_in_two_imports(
    harness: SplunkHarness, emulator
) -> None:
    rows = [{"sha256": sha(i)} for i in range(1, 1001)]
    rows += [{"sha256": sha(i).upper()} for i in range(1, 101)]  # the same indicators again
    rows += [{"sha256": f"not-a-hash-{i}"} for i in range(100)]
    run = harness.run("mdesubmit field=sha256 action=Block", rows, chunk_size=250)
    assert run.returncode == 0, run.stderr
    statuses = [r["mde_status"] for r in run.rows]
    assert statuses == ["submitted"] * 1000 + ["duplicate"] * 100 + ["invalid"] * 100
    assert run.rows[1000]["mde_error"] == "Same indicator as row 1."
    assert all(r["mde_error"] for r in run.rows[1100:])
    assert [e["items"] for e in imports(emulator)] == [500, 500]
    assert len(emulator.admin("GET", "indicators")["value"]) == 1000


def test_import_splits_batches_at_500_across_chunks(harness: SplunkHarness, emulator) -> None:
    rows = [{"sha256": sha(i), "host": f"h{i}"} for i in range(1, 1201)]
    run = harness.run(
        "mdesubmit field=sha256 action=Block severity=High expiration=30d", rows, chunk_size=300
    )
    assert run.returncode == 0, run.stderr
    assert [r["mde_status"] for r in run.rows] == ["submitted"] * 1200
    assert [r["host"] for r in run.rows] == [f"h{i}" for i in range(1, 1201)]
    assert all(r["mde_indicator_id"] for r in run.rows)
    assert [e["items"] for e in imports(emulator)] == [500, 500, 200]
    stored = emulator.admin("GET", "indicators")["value"]
    assert len(stored) == 1200 and {s["severity"] for s in stored} == {"High"}


def test_every_row_carries_the_status_fields_even_when_the_first_is_invalid(
    harness: SplunkHarness, emulator
) -> None:
    rows = [{"v": "not a hash"}, {"v": sha(7)}, {"v": ""}, {"v": sha(7)}]
    run = harness.run("mdesubmit field=v action=Audit", rows)
    assert [r["mde_status"] for r in run.rows] == ["invalid", "submitted", "invalid", "duplicate"]
    for row in run.rows:
        assert set(STATUS_FIELDS) <= set(row)
    assert "set the type" in run.rows[0]["mde_error"]
    assert "v is empty or missing" in run.rows[2]["mde_error"]
    assert run.rows[3]["mde_error"] == "Same indicator as row 2."


def test_duplicates_in_later_chunks_are_reported_and_sent_once(
    harness: SplunkHarness, emulator
) -> None:
    rows = [{"ioc": "Evil.Example.NET"}, {"ioc": "a.example.org"}, {"ioc": "evil.example.net"}]
    run = harness.run("mdesubmit field=ioc type=auto action=Warn", rows, chunk_size=1)
    assert [r["mde_status"] for r in run.rows] == ["submitted", "submitted", "duplicate"]
    assert sum(e["items"] for e in imports(emulator)) == 2


def test_preview_sends_nothing(harness: SplunkHarness, emulator) -> None:
    run = harness.run("mdesubmit field=v action=Block", [{"v": sha(1)}, {"v": "x"}], preview=True)
    assert [r["mde_status"] for r in run.rows] == ["dry_run", "invalid"]
    assert imports(emulator) == []


def test_dry_run_checks_through_the_handler_without_importing(
    harness: SplunkHarness, emulator
) -> None:
    run = harness.run("mdesubmit field=v action=Block dry_run=true", [{"v": sha(1)}])
    assert run.rows[0]["mde_status"] == Status.DRY_RUN.value
    assert imports(emulator) == []
    assert harness.splunkd.paths("/mde_indicators/indicators/import")


def test_bad_arguments_stop_the_search_before_any_row(harness: SplunkHarness, emulator) -> None:
    run = harness.run("mdesubmit field=v action=Nuke expiration=yesterday", [{"v": sha(1)}])
    assert run.returncode == 1
    (error,) = run.errors()
    assert "action=Nuke is not valid" in error and "Block" in error and "expiration" in error
    assert not harness.splunkd.paths("/mde_indicators/")


def test_a_user_without_the_write_capability_is_refused(harness: SplunkHarness, emulator) -> None:
    run = harness.run("mdesubmit field=v action=Block", [{"v": sha(1)}], user="reader")
    assert run.returncode == 1
    assert "mde_indicators_write" in run.errors()[0]
    assert imports(emulator) == []


def test_an_analyst_submits_without_ever_reading_the_secret(
    harness: SplunkHarness, emulator
) -> None:
    run = harness.run("mdesubmit field=v action=Block", [{"v": sha(3)}])
    assert run.rows[0]["mde_status"] == "submitted"
    analyst_calls = [p for m, p, u in harness.splunkd.log if u == "analyst"]
    assert analyst_calls and not any("storage/passwords" in p for p in analyst_calls)
    assert any(u == "splunk-system-user" for m, p, u in harness.splunkd.paths("storage/passwords"))
    shown = repr(run.rows) + repr(run.messages) + run.stderr + harness.logs()
    assert CANARY_SECRET not in shown


def test_per_row_titles_and_auto_types(harness: SplunkHarness, emulator) -> None:
    rows = [
        {"ioc": "hxxp://bad[.]example[.]com/x", "why": "phishing kit"},
        {"ioc": "52.1.2.3", "why": ""},
    ]
    run = harness.run('mdesubmit field=ioc action=Block title="Bulk block" title_field=why', rows)
    assert [r["mde_type"] for r in run.rows] == ["Url", "IpAddress"]
    titles = {s["indicatorValue"]: s["title"] for s in emulator.admin("GET", "indicators")["value"]}
    assert titles == {"http://bad.example.com/x": "phishing kit", "52.1.2.3": "Bulk block"}


def test_mde_errors_fail_each_row_with_the_reason(harness: SplunkHarness, emulator) -> None:
    emulator.admin("POST", "faults", {"spec": "import:503,count=inf,retry-after=0"})
    run = harness.run("mdesubmit field=v action=Block", [{"v": sha(1)}, {"v": sha(2)}])
    assert run.returncode == 0
    assert [r["mde_status"] for r in run.rows] == ["failed", "failed"]
    assert "HTTP 503" in run.rows[0]["mde_error"]


def test_protected_values_come_from_the_kv_store_that_app_updates_keep(
    harness: SplunkHarness, emulator
) -> None:
    collection = f"/servicesNS/nobody/{harness.app_dir.name}/storage/collections/data/mde_indicators_protected"
    added = harness.call(
        "POST", collection, {"indicator": "contoso.com", "reason": "our own domain"}
    )
    assert added.status_code == 201, added.text
    assert (
        harness.call("POST", collection, {"indicator": "x.example"}, user="analyst").status_code
        == 403
    )
    try:
        rows = [{"d": "login.contoso.com"}, {"d": "evil.example.com"}]
        run = harness.run("mdesubmit field=d type=DomainName action=Block", rows)
    finally:
        harness.call("DELETE", f"{collection}/{added.json()['_key']}")
    assert [r["mde_status"] for r in run.rows] == ["protected", "submitted"]
    assert "our own domain" in run.rows[0]["mde_error"]
    assert sum(e["items"] for e in imports(emulator)) == 1
    assert not (harness.app_dir / "lookups").exists()
