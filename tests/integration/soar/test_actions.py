"""Every action of the SOAR app through the SDK's own runner against the emulator over HTTPS: per-item
results in input order, batching, guards, dry runs, paging, deletes by ID and by value."""

from __future__ import annotations

import pytest

from mde_emulator import EmulatorServer
from mde_indicators.model import load_model
from mde_testkit.soar.harness import SoarRunner

from .conftest import api_calls, stored, writes

pytestmark = pytest.mark.soar
MODEL = load_model()
BATCH = MODEL.operations["ImportIndicators"].batch_size


def test_test_connectivity_signs_in_reads_and_probes_writes_naming_the_roles(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    run = soar.run("test_connectivity")
    assert run.success, run.output
    assert "roles Ti.ReadWrite.All (sees all indicators)" in run.stdout
    assert "read access" in run.stdout and "write access" in run.stdout
    ops = [e["op"] for e in api_calls(emulator)]
    assert ops == ["ListIndicators", "ImportIndicators"]
    assert not stored(emulator)


def test_test_connectivity_without_a_role_fails_naming_the_roles_needed(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    app = emulator.register_app(name="no-role", role=None, secret="s3")
    run = soar.run("test_connectivity", asset={"client_id": app.client_id, "client_secret": "s3"})
    assert not run.success
    assert "Ti.ReadWrite or Ti.ReadWrite.All" in run.message


def test_test_connectivity_with_a_wrong_secret_fails_at_sign_in(soar: SoarRunner) -> None:
    run = soar.run("test_connectivity", asset={"client_secret": "wrong"})
    assert not run.success
    assert "sign-in failed" in run.message


def test_submit_then_list_and_get_round_trip(soar: SoarRunner, emulator: EmulatorServer) -> None:
    run = soar.run("submit_indicator", {"indicator_value": "evil.example.com", "severity": "Low"})
    assert run.success, run.output
    (row,) = run.data
    assert (row["status"], row["indicator_type"], row["action"]) == (
        "submitted",
        "DomainName",
        "Block",
    )
    assert run.summary["indicator_id"] == row["indicator_id"]
    held = stored(emulator)["evil.example.com"]
    assert (held["severity"], held["application"]) == ("Low", "Splunk SOAR")
    listed = soar.run("list_indicators", {"indicator_value": "evil.example.com"})
    assert [r["id"] for r in listed.data] == [row["indicator_id"]]
    got = soar.run("get_indicator", {"indicator_id": row["indicator_id"]})
    assert got.success and got.data[0]["indicatorValue"] == "evil.example.com"


def test_get_of_an_unknown_id_fails_with_the_service_message(soar: SoarRunner) -> None:
    run = soar.run("get_indicator", {"indicator_id": "999999"})
    assert not run.success
    assert "HTTP 404" in run.message


def test_a_1201_item_import_makes_three_import_calls_and_returns_1201_results_in_order(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    values = [f"{n:064x}" for n in range(1, 1202)]
    run = soar.run("import_indicators", {"indicators": "\n".join(values), "action": "Audit"})
    assert run.success, run.output[-2000:]
    assert [r["value"] for r in run.data] == values
    assert [r["index"] for r in run.data] == list(range(1201))
    assert {r["status"] for r in run.data} == {"submitted"}
    calls = api_calls(emulator, "ImportIndicators")
    assert [c["items"] for c in calls] == [BATCH, BATCH, 1201 - 2 * BATCH]
    assert run.summary["total"] == 1201 and run.summary["submitted"] == 1201


def test_invalid_duplicate_and_protected_items_are_reported_and_not_sent(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    items = [
        "1.2.3.4",
        "not a value",
        "1.2.3.4",
        "8.8.8.8",
        "login.microsoftonline.com",
        "bad.example",
    ]
    run = soar.run(
        "import_indicators",
        {"indicators": "\n".join(items)},
        asset={"protected_values": "bad.example"},
    )
    assert run.success, run.output
    assert [r["status"] for r in run.data] == [
        "submitted", "invalid", "duplicate", "protected", "protected", "protected",
    ]  # fmt: skip
    assert all(r["reason"] for r in run.data[1:])
    assert "asset protected_values" in run.data[5]["reason"]
    assert sum(c["items"] for c in api_calls(emulator, "ImportIndicators")) == 1
    assert set(stored(emulator)) == {"1.2.3.4"}


def test_dry_runs_send_nothing_not_even_a_sign_in(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    imported = soar.run(
        "import_indicators", {"indicators": "1.2.3.4,evil.example.com", "dry_run": True}
    )
    submitted = soar.run("submit_indicator", {"indicator_value": "5.6.7.8", "dry_run": True})
    deleted = soar.run("delete_indicators", {"indicator_ids": "1,2", "dry_run": True})
    for run in (imported, submitted, deleted):
        assert run.success, run.output
        assert {r["status"] for r in run.data} == {"dry_run"}
    assert emulator.requests_log() == []


def test_max_changes_refuses_a_larger_import_and_sends_nothing(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    run = soar.run("import_indicators", {"indicators": "1.2.3.4,5.6.7.8,1.2.4.5", "max_changes": 2})
    assert not run.success
    assert {r["reason_code"] for r in run.data} == {"max_changes"}
    assert writes(emulator) == []


def test_list_follows_pages_beyond_one_and_stops_at_the_limit(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    values = [f"1.2.3.{n}" for n in range(1, 26)]
    assert soar.run("import_indicators", {"indicators": ",".join(values)}).success
    emulator.admin("DELETE", "requests")
    run = soar.run("list_indicators", {"page_size": 10, "limit": 0})
    assert sorted(r["indicatorValue"] for r in run.data) == sorted(values)
    assert len(api_calls(emulator, "ListIndicators")) == 3
    assert run.summary == {"total": 25, "limit_reached": False}
    limited = soar.run(
        "list_indicators", {"page_size": 10, "limit": 12, "indicator_type": "IpAddress"}
    )
    assert limited.summary == {"total": 12, "limit_reached": True}


def test_list_filter_values_are_escaped(soar: SoarRunner) -> None:
    feed = {"application": "O'Brien's feed"}
    assert soar.run("import_indicators", {"indicators": "1.2.3.4"}, asset=feed).success
    assert soar.run("import_indicators", {"indicators": "5.6.7.8"}).success
    run = soar.run("list_indicators", {"application": "O'Brien's feed"})
    assert run.success, run.output
    assert [r["indicatorValue"] for r in run.data] == ["1.2.3.4"]


def test_delete_by_id_falls_back_to_single_deletes_for_an_unknown_id(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    first = soar.run("import_indicators", {"indicators": "1.2.3.4,5.6.7.8"})
    ids = [r["indicator_id"] for r in first.data]
    run = soar.run("delete_indicators", {"indicator_ids": ",".join([ids[0], "999999", ids[1]])})
    assert run.success
    assert [r["status"] for r in run.data] == ["deleted", "not_found", "deleted"]
    ops = [e["op"] for e in writes(emulator)][1:]
    assert ops[0] == "BatchDeleteIndicators" and "DeleteIndicator" in ops
    assert stored(emulator) == {}


def test_delete_by_value_deletes_what_it_finds_and_reports_the_rest(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    assert soar.run("import_indicators", {"indicators": "1.2.3.4,evil.example.com"}).success
    run = soar.run(
        "delete_indicators_by_value", {"indicator_values": "evil.example.com\nabsent.example"}
    )
    assert run.success
    assert [(r["value"], r["status"]) for r in run.data] == [
        ("evil.example.com", "deleted"),
        ("absent.example", "not_found"),
    ]
    assert set(stored(emulator)) == {"1.2.3.4"}
    nothing = soar.run("delete_indicators_by_value", {"indicator_values": "absent.example"})
    assert not nothing.success


def test_delete_over_max_changes_deletes_nothing(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    assert soar.run("import_indicators", {"indicators": "1.2.3.4,5.6.7.8"}).success
    run = soar.run(
        "delete_indicators_by_value", {"indicator_values": "1.2.3.4,5.6.7.8", "max_changes": 1}
    )
    assert not run.success
    assert {r["reason_code"] for r in run.data} == {"max_changes"}
    assert len(stored(emulator)) == 2
