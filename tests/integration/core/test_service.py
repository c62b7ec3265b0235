"""Many-item operations: batching at the schema's size, aligned per-item results, partial failures."""

from __future__ import annotations

from typing import Dict, List

from mde_emulator import EmulatorServer
from mde_indicators.ownership import Ownership
from mde_indicators.results import Status
from mde_indicators.service import IndicatorService
from tests.conftest import make_client


def sha(n: int) -> str:
    return f"{n:064x}"


def blocks(count: int) -> List[Dict[str, str]]:
    """count distinct SHA-256 indicators to block."""
    return [{"indicatorValue": sha(n), "action": "Block"} for n in range(1, count + 1)]


def ops(emulator: EmulatorServer, op: str) -> List[dict]:
    return [e for e in emulator.requests_log() if e.get("op") == op]


def test_import_splits_batches_at_500_and_aligns_results(
    emulator: EmulatorServer, service: IndicatorService
) -> None:
    items = blocks(1201)
    results = service.import_indicators(items)
    assert [e["items"] for e in ops(emulator, "ImportIndicators")] == [500, 500, 201]
    assert [r.index for r in results] == list(range(1201))
    assert all(r.status is Status.SUBMITTED and r.indicator_id for r in results)
    stored = {
        row["indicatorValue"]: row["id"] for row in emulator.admin("GET", "indicators")["value"]
    }
    assert all(stored[sha(r.index + 1)] == r.indicator_id for r in results)


def test_invalid_and_duplicate_items_are_never_sent(
    emulator: EmulatorServer, service: IndicatorService
) -> None:
    items = [
        {"indicatorValue": "185.220.101.45", "action": "Block"},
        {"indicatorValue": "10.0.0.1", "action": "Block"},
        {"indicatorValue": "185.220.101.45 ", "action": "Block"},
        {"indicatorValue": "bad.example", "action": "BlockAndRemediate"},
    ]
    results = service.import_indicators(items)
    assert [r.status for r in results] == [
        Status.SUBMITTED,
        Status.INVALID,
        Status.DUPLICATE,
        Status.INVALID,
    ]
    assert results[1].reason_code == "ip_private" and "private" in results[1].reason
    assert [e["items"] for e in ops(emulator, "ImportIndicators")] == [1]


def test_partial_import_failures_are_reported_item_by_item(
    emulator: EmulatorServer, service: IndicatorService
) -> None:
    emulator.admin("POST", "faults", {"spec": "import:partial,fraction=0.3,seed=7"})
    results = service.import_indicators(blocks(100))
    failed = [r for r in results if r.status is Status.FAILED]
    assert 10 < len(failed) < 60
    assert all(r.reason_code == "import_item_failed" and "injected" in r.reason for r in failed)
    assert len(emulator.admin("GET", "indicators")["value"]) == 100 - len(failed)


def test_sign_in_failure_stops_the_run_and_fails_every_item(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    service = IndicatorService(make_client(emulator_env, client_secret="wrong"))
    results = service.import_indicators(blocks(1000))
    assert {r.status for r in results} == {Status.FAILED}
    assert {r.reason_code for r in results} == {"invalid_client"}
    assert ops(emulator, "ImportIndicators") == []


def test_throttling_beyond_the_budget_fails_the_rest_with_retry_after(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "faults", {"spec": "import:429,count=inf,retry-after=120,after=1"})
    service = IndicatorService(make_client(emulator_env, max_retry_seconds=5))
    results = service.import_indicators(blocks(1200))
    assert [r.status for r in results[:500]] == [Status.SUBMITTED] * 500
    assert {(r.status, r.http_status, r.retry_after) for r in results[500:]} == {
        (Status.FAILED, 429, 120.0)
    }
    assert len(ops(emulator, "ImportIndicators")) == 2


def test_a_batch_the_service_refuses_is_split_to_find_the_bad_item(
    emulator: EmulatorServer, service: IndicatorService, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from mde_indicators.errors import BadRequest

    real = service.client.import_batch

    def picky(bodies):  # type: ignore[no-untyped-def]
        if any(b["indicatorValue"] == sha(3) for b in bodies):
            raise BadRequest("Hash value is invalid.", status=400, code="InvalidHashValue")
        return real(bodies)

    monkeypatch.setattr(service.client, "import_batch", picky)
    results = service.import_indicators(blocks(8))
    assert [r.status for r in results] == [Status.SUBMITTED] * 2 + [Status.FAILED] + [
        Status.SUBMITTED
    ] * 5
    assert results[2].reason_code == "InvalidHashValue"


def test_submit_reports_updated_on_the_second_call(service: IndicatorService) -> None:
    first = service.submit({"indicatorValue": "bad.example", "action": "Warn"})
    second = service.submit({"indicatorValue": "bad.example", "action": "Warn", "severity": "High"})
    assert (first.status, second.status) == (Status.SUBMITTED, Status.UPDATED)
    assert first.indicator_id == second.indicator_id


def test_delete_ids_falls_back_to_single_deletes_when_one_is_unknown(
    emulator: EmulatorServer, service: IndicatorService
) -> None:
    ids = [r.indicator_id for r in service.import_indicators(blocks(3))]
    results = service.delete_ids([*ids, "424242", "abc", ids[0]])
    assert [r.status for r in results] == [Status.DELETED] * 3 + [
        Status.NOT_FOUND,
        Status.INVALID,
        Status.DUPLICATE,
    ]
    assert emulator.admin("GET", "indicators")["value"] == []


def test_delete_values_looks_up_ids_then_batch_deletes(
    emulator: EmulatorServer, service: IndicatorService
) -> None:
    service.import_indicators(
        [
            {"indicatorValue": v, "action": "Block"}
            for v in ("bad.example", "185.220.101.45", sha(9))
        ]
    )
    results = service.delete_values(
        ["BAD.example", "185.220.101.45", "other.example", "not a value!"]
    )
    assert [r.status for r in results] == [
        Status.DELETED,
        Status.DELETED,
        Status.NOT_FOUND,
        Status.INVALID,
    ]
    assert [row["indicatorValue"] for row in emulator.admin("GET", "indicators")["value"]] == [
        sha(9)
    ]
    assert len(ops(emulator, "BatchDeleteIndicators")) == 1


def test_delete_by_value_matches_what_mde_stores_under_the_types_case_rule(
    emulator: EmulatorServer, service: IndicatorService
) -> None:
    # Indicators created by another tool (the portal) keep the letter case they were given.
    for value, itype in (
        ("44D88612FEA8A8F36DE82E1278ABB02F", "FileMd5"),
        ("http://evil.example/Payload", "Url"),
    ):
        service.client.submit(
            {"indicatorValue": value, "indicatorType": itype, "action": "Audit",
             "title": "t", "description": "d", "generateAlert": True}
        )  # fmt: skip
    results = service.delete_values(
        [
            "44d88612fea8a8f36de82e1278abb02f",
            "http://evil.example/payload",
            "HTTP://EVIL.example/Payload",
        ]
    )
    assert [r.status for r in results] == [Status.DELETED, Status.NOT_FOUND, Status.DELETED]
    assert emulator.admin("GET", "indicators")["value"] == []


def test_dry_run_validates_without_any_call(emulator: EmulatorServer) -> None:
    results = IndicatorService(None).import_indicators(
        [{"indicatorValue": sha(1), "action": "Block"}, {"indicatorValue": "x", "action": "Block"}],
        dry_run=True,
    )
    assert [r.status for r in results] == [Status.DRY_RUN, Status.INVALID]
    assert emulator.requests_log() == []


def test_an_outage_that_outlasts_the_retries_stops_the_run(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "faults", {"spec": "import:503,count=inf,retry-after=0"})
    service = IndicatorService(make_client(emulator_env, max_attempts=2))
    results = service.import_indicators(blocks(1500))
    assert {(r.status, r.http_status) for r in results} == {(Status.FAILED, 503)}
    assert (
        len(ops(emulator, "ImportIndicators")) == 2
    )  # one batch, two attempts; the other batches not tried


def test_a_server_error_on_one_batch_does_not_stop_the_others(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "faults", {"spec": "import:500,count=2"})
    service = IndicatorService(make_client(emulator_env, max_attempts=2))
    results = service.import_indicators(blocks(1000))
    assert [r.status for r in results] == [Status.FAILED] * 500 + [Status.SUBMITTED] * 500


def test_a_deletion_over_max_changes_deletes_nothing_and_says_why(
    emulator: EmulatorServer, service: IndicatorService
) -> None:
    service.import_indicators([{"indicatorValue": sha(n), "action": "Block"} for n in (1, 2)])
    capped = service.delete_values([sha(1), sha(2)], max_changes=1)
    assert {(r.status, r.reason_code) for r in capped} == {(Status.FAILED, "max_changes")}
    assert len(emulator.admin("GET", "indicators")["value"]) == 2
    assert not ops(emulator, "BatchDeleteIndicators")
    allowed = service.delete_values([sha(1), sha(2)], max_changes=2)
    assert [r.status for r in allowed] == [Status.DELETED, Status.DELETED]


def test_delete_by_value_with_an_owner_leaves_other_owners_indicators_alone(
    emulator: EmulatorServer, service: IndicatorService
) -> None:
    ours = Ownership(tag="#MDEIndicatorsTest", application="Legacy-Tool")
    service.import_indicators([{"indicatorValue": sha(1), "action": "Block"}], owner=ours)
    service.import_indicators(
        [
            {"indicatorValue": sha(2), "action": "Block", "application": "SOC-Portal"},
            {"indicatorValue": sha(3), "action": "Block"},
            {"indicatorValue": sha(5), "action": "Block", "application": "Legacy-Tool"},
        ]
    )
    results = service.delete_values([sha(1), sha(2), sha(3), sha(4), sha(5)], owner=ours)
    assert [(r.status, r.reason_code) for r in results] == [
        (Status.DELETED, None),
        (Status.SKIPPED, "not_owned"),
        (Status.SKIPPED, "not_owned"),
        (Status.NOT_FOUND, "not_found"),
        (Status.DELETED, None),
    ]
    assert "'SOC-Portal'" in (results[1].reason or "") and results[1].indicator_id
    assert "no application" in (results[2].reason or "")
    left = {row["indicatorValue"] for row in emulator.admin("GET", "indicators")["value"]}
    assert left == {sha(2), sha(3)}


def test_an_owner_marks_what_it_creates_and_updates_without_setting_application(
    emulator: EmulatorServer, service: IndicatorService
) -> None:
    # Created by someone else (the portal, say): application stays theirs, the tag follows the writer.
    service.import_indicators(
        [{"indicatorValue": sha(7), "action": "Block", "application": "Portal"}]
    )
    ours = Ownership(tag="#MDEIndicatorsTest")
    service.import_indicators(
        [{"indicatorValue": sha(7), "action": "Block", "description": "seen on host 12"},
         {"indicatorValue": sha(8), "action": "Block", "description": "x" * 10_000}],
        owner=ours,
    )  # fmt: skip
    rows = {r["indicatorValue"]: r for r in emulator.admin("GET", "indicators")["value"]}
    assert rows[sha(7)]["description"] == "seen on host 12 #MDEIndicatorsTest"
    assert rows[sha(7)]["application"] == "Portal"
    assert rows[sha(8)]["description"].endswith("… #MDEIndicatorsTest")
    assert len(rows[sha(8)]["description"]) == 10_000
    assert rows[sha(8)].get("application") in (None, "")
    assert all(ours.owns(r) for r in rows.values())


def test_delete_by_detected_type_keeps_a_certificate_with_the_same_sha1(
    emulator: EmulatorServer, service: IndicatorService
) -> None:
    sha1 = "a" * 40  # a SHA-1 file hash and a certificate thumbprint look the same
    service.import_indicators(
        [
            {"indicatorValue": sha1, "indicatorType": "FileSha1", "action": "Block"},
            {"indicatorValue": sha1, "indicatorType": "CertificateThumbprint", "action": "Allowed"},
        ]
    )
    (typed,) = service.delete_values([sha1], detected_type=True)
    assert typed.status is Status.DELETED and typed.indicator_type == "FileSha1"
    left = emulator.admin("GET", "indicators")["value"]
    assert [row["indicatorType"] for row in left] == ["CertificateThumbprint"]
    (untyped,) = service.delete_values([sha1])
    assert untyped.status is Status.DELETED
    assert emulator.admin("GET", "indicators")["value"] == []
