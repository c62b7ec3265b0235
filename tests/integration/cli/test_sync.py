"""`mde-indicators sync` against the emulator: create, update, delete, no-op, ownership, action change, cap."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

from mde_emulator import EmulatorServer, Settings
from mde_indicators.cli import main

from .conftest import Run, api_calls, forget_requests, rows, runner, writes

APP = "TI-Feed"
VALUES = ["evil-one.example.net", "185.220.101.4", "http://evil-two.example.net/payload"]


def jsonl(tmp_path: Path, items: List[Dict[str, Any]], name: str = "feed.jsonl") -> str:
    path = tmp_path / name
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return str(path)


def text(tmp_path: Path, values: List[str], name: str = "feed.txt") -> str:
    path = tmp_path / name
    path.write_text("\n".join(values) + "\n", encoding="utf-8")
    return str(path)


def sync(run: Run, path: str, *extra: str) -> Dict[str, Any]:
    result = run("sync", path, "--application", APP, "--action", "Block", "--json", *extra)
    document = json.loads(result.stdout)
    document["exit"] = result.exit_code
    return document


def seed_others(emulator: EmulatorServer, count: int) -> None:
    """count indicators of another application, fast, through the emulator's admin API."""
    client_id = emulator.env()["MDE_CLIENT_ID"]
    body = {"clientId": client_id, "count": count, "fields": {"application": "Other"}}
    emulator.admin("POST", "seed", body)


def statuses(document: Dict[str, Any]) -> List[str]:
    return [r["status"] for r in document["results"]]


def owned(emulator: EmulatorServer) -> Dict[str, Dict[str, Any]]:
    return {r["indicatorValue"]: r for r in rows(emulator) if r["application"] == APP}


def test_sync_creates_owned_indicators_and_an_unchanged_rerun_writes_nothing(
    run: Run, emulator: EmulatorServer, tmp_path: Path
) -> None:
    path = text(tmp_path, VALUES)
    first = sync(run, path, "--expiration", "30d")
    assert first["exit"] == 0 and statuses(first) == ["submitted"] * 3
    assert set(owned(emulator)) == set(VALUES)
    forget_requests(emulator)
    second = sync(run, path, "--expiration", "30d")
    assert second["exit"] == 0 and statuses(second) == ["unchanged"] * 3
    assert writes(emulator) == []
    assert {e["op"] for e in api_calls(emulator)} == {"ListIndicators"}


def test_only_items_whose_fields_differ_are_updated(
    run: Run, emulator: EmulatorServer, tmp_path: Path
) -> None:
    items = [{"indicatorValue": v, "severity": "Medium"} for v in VALUES]
    sync(run, jsonl(tmp_path, items))
    items[1].update(severity="High", title="Tor exit node")
    forget_requests(emulator)
    document = sync(run, jsonl(tmp_path, items))
    assert statuses(document) == ["unchanged", "updated", "unchanged"]
    assert "severity Medium -> High" in document["results"][1]["reason"]
    assert "title" in document["results"][1]["reason"]
    (call,) = writes(emulator)
    assert (call["op"], call["items"]) == ("ImportIndicators", 1)
    assert owned(emulator)["185.220.101.4"]["severity"] == "High"


def test_delete_missing_removes_owned_indicators_the_input_no_longer_lists(
    run: Run, emulator: EmulatorServer, tmp_path: Path
) -> None:
    sync(run, text(tmp_path, VALUES))
    shorter = text(tmp_path, VALUES[:2], "shorter.txt")
    kept = sync(run, shorter)
    assert kept["plan"]["owned_kept"] == 1 and len(owned(emulator)) == 3
    forget_requests(emulator)
    document = sync(run, shorter, "--delete-missing")
    assert statuses(document) == ["unchanged", "unchanged", "deleted"]
    assert document["results"][2]["value"] == VALUES[2]
    assert document["results"][2]["reason_code"] == "not_desired"
    assert [c["op"] for c in writes(emulator)] == ["BatchDeleteIndicators"]
    assert set(owned(emulator)) == set(VALUES[:2])


def test_indicators_of_other_applications_are_never_changed_or_deleted(
    run: Run, emulator: EmulatorServer, tmp_path: Path
) -> None:
    # Another tool's indicators: one with a value the feed also lists (same action), one it does not.
    run("submit", "--value", VALUES[0], "--action", "Block", "--application", "Other-Tool")
    run(
        "submit",
        "--value",
        "other-only.example.net",
        "--action",
        "Block",
        "--application",
        "Other-Tool",
    )
    before = {r["id"]: r for r in rows(emulator)}
    document = sync(run, text(tmp_path, VALUES), "--delete-missing")
    assert statuses(document) == ["skipped", "submitted", "submitted"]
    skipped = document["results"][0]
    assert skipped["reason_code"] == "not_owned" and "Other-Tool" in skipped["reason"]
    after = {r["id"]: r for r in rows(emulator)}
    for indicator_id, row in before.items():
        assert after[indicator_id] == row
    assert document["plan"]["others"] == 2


def test_changing_the_action_imports_the_new_indicator_then_deletes_the_old(
    run: Run, emulator: EmulatorServer, tmp_path: Path
) -> None:
    path = text(tmp_path, VALUES[:1])
    sync(run, path)
    (old,) = owned(emulator).values()
    forget_requests(emulator)
    result = run("sync", path, "--application", APP, "--action", "Allowed", "--json")
    (item,) = json.loads(result.stdout)["results"]
    assert item["status"] == "updated" and "Block -> Allowed" in item["reason"]
    (new,) = owned(emulator).values()
    assert (
        new["action"] == "Allowed" and new["id"] != old["id"] and item["indicator_id"] == new["id"]
    )
    assert [c["op"] for c in writes(emulator)] == ["ImportIndicators", "BatchDeleteIndicators"]


def test_dry_run_plans_every_kind_of_change_and_makes_no_write_call(
    run: Run, emulator: EmulatorServer, tmp_path: Path
) -> None:
    sync(run, jsonl(tmp_path, [{"indicatorValue": v, "severity": "Low"} for v in VALUES]))
    changed = [
        {"indicatorValue": VALUES[0], "severity": "High"},  # update
        {"indicatorValue": VALUES[1], "severity": "Low", "action": "Audit"},  # action change
        {"indicatorValue": "new-one.example.net"},  # create; VALUES[2] is gone: delete
    ]
    before = rows(emulator)
    forget_requests(emulator)
    document = sync(run, jsonl(tmp_path, changed, "changed.jsonl"), "--delete-missing", "--dry-run")
    assert statuses(document) == ["dry_run"] * 4
    reasons = [r["reason"] for r in document["results"]]
    assert "severity Low -> High" in reasons[0] and "Block -> Audit" in reasons[1]
    assert reasons[2] == "Would create." and reasons[3].startswith("Would delete")
    assert document["plan"]["create"] == 1 and document["plan"]["delete"] == 2
    assert writes(emulator) == [] and rows(emulator) == before


def test_a_plan_over_the_cap_is_refused_and_writes_nothing(
    run: Run, emulator: EmulatorServer, tmp_path: Path
) -> None:
    seed_others(emulator, 8)
    forget_requests(emulator)
    values = [f"cap-{n}.example.net" for n in range(5)]
    document = sync(run, text(tmp_path, values), "--max-active", "10")
    assert document["exit"] == 1 and document["refusal"].startswith("The plan needs 13 active")
    assert {r["reason_code"] for r in document["results"]} == {"plan_refused"}
    assert writes(emulator) == []


def test_prioritise_keeps_the_best_items_within_the_cap_and_reports_the_dropped(
    run: Run, emulator: EmulatorServer, tmp_path: Path
) -> None:
    seed_others(emulator, 7)
    items = [
        {"indicatorValue": f"prio-{n}.example.net", "severity": severity}
        for n, severity in enumerate(["Low", "High", "Informational", "High", "Medium"])
    ]
    document = sync(run, jsonl(tmp_path, items), "--max-active", "10", "--prioritise", "severity")
    assert document["exit"] == 0
    assert statuses(document) == ["skipped", "submitted", "skipped", "submitted", "submitted"]
    dropped = document["results"][0]
    assert dropped["reason_code"] == "cap" and "ranked 4 of 5 by severity" in dropped["reason"]
    assert len(rows(emulator)) == 10


def test_max_changes_aborts_before_writing(
    run: Run, emulator: EmulatorServer, tmp_path: Path
) -> None:
    document = sync(run, text(tmp_path, VALUES), "--max-changes", "2")
    assert document["exit"] == 1 and "more than --max-changes 2" in document["refusal"]
    assert writes(emulator) == []
    assert sync(run, text(tmp_path, VALUES), "--max-changes", "3")["exit"] == 0


def test_an_empty_input_never_deletes_everything_unless_allowed(
    run: Run, emulator: EmulatorServer, tmp_path: Path
) -> None:
    sync(run, text(tmp_path, VALUES))
    empty = text(tmp_path, ["# the feed came back empty"], "empty.txt")
    refused = sync(run, empty, "--delete-missing")
    assert refused["exit"] == 1 and "--allow-empty" in refused["refusal"]
    assert len(owned(emulator)) == 3
    allowed = sync(run, empty, "--delete-missing", "--allow-empty")
    assert statuses(allowed) == ["deleted"] * 3 and owned(emulator) == {}


def test_protected_values_are_reported_and_never_sent(
    run: Run, emulator: EmulatorServer, tmp_path: Path
) -> None:
    mine = tmp_path / "protected.txt"
    mine.write_text("vpn.corp.example  # our VPN\n", encoding="utf-8")
    path = text(tmp_path, ["8.8.8.8", "portal.vpn.corp.example", VALUES[0]])
    document = sync(run, path, "--protected", str(mine))
    assert statuses(document) == ["protected", "protected", "submitted"]
    assert "our VPN" in document["results"][1]["reason"]
    assert [c["items"] for c in writes(emulator)] == [1]
    allowed = run("sync", path, "--application", "Allow-List", "--action", "Allowed", "--json")
    assert [r["status"] for r in json.loads(allowed.stdout)["results"]] == ["submitted"] * 3


def test_stix_bundle_sync_reports_unsupported_patterns_per_item(
    run: Run, emulator: EmulatorServer, tmp_path: Path
) -> None:
    def indicator(n: int, pattern: str) -> Dict[str, Any]:
        return {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--00000000-0000-4000-8000-00000000000{n}",
            "created": "2024-01-01T00:00:00.000Z",
            "modified": "2024-01-01T00:00:00.000Z",
            "name": f"Feed item {n}",
            "pattern": pattern,
            "pattern_type": "stix",
            "valid_from": "2024-01-01T00:00:00Z",
            "valid_until": "2040-01-01T00:00:00Z",
        }

    bundle = {
        "type": "bundle",
        "id": "bundle--00000000-0000-4000-8000-000000000000",
        "objects": [
            indicator(
                1, "[domain-name:value = 'stix-a.example.net' OR ipv4-addr:value = '185.220.101.9']"
            ),
            indicator(2, "[file:name = 'x.exe' AND file:size = 10]"),
        ],
    }
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    document = sync(run, str(path))
    assert document["exit"] == 1
    assert statuses(document) == ["submitted", "submitted", "invalid"]
    assert document["results"][2]["reason_code"] == "stix_unsupported"
    created = owned(emulator)["stix-a.example.net"]
    assert created["title"] == "Feed item 1" and created["expirationTime"].startswith("2040-01-01")


def test_sync_reads_standard_input_and_splits_imports_at_500(
    run: Run, emulator: EmulatorServer
) -> None:
    values = [f"{n:064x}" for n in range(1, 1101)]
    result = run(
        "sync",
        "-",
        "--format",
        "text",
        "--application",
        APP,
        "--action",
        "Block",
        "--json",
        input="\n".join(values) + "\n",
    )
    assert result.exit_code == 0, result.stderr
    assert [c["items"] for c in writes(emulator)] == [500, 500, 100]
    assert len(owned(emulator)) == 1100


def test_an_item_naming_another_application_is_invalid(
    run: Run, emulator: EmulatorServer, tmp_path: Path
) -> None:
    path = jsonl(tmp_path, [{"indicatorValue": VALUES[0], "application": "Someone-Else"}])
    document = sync(run, path)
    assert statuses(document) == ["invalid"]
    assert document["results"][0]["reason_code"] == "application_mismatch"
    assert writes(emulator) == []


def test_a_relative_expiration_is_refreshed_only_when_it_drifts_past_the_tolerance(
    run: Run, emulator: EmulatorServer, tmp_path: Path
) -> None:
    path = text(tmp_path, VALUES[:1])
    sync(run, path, "--expiration", "30d")
    forget_requests(emulator)
    # 31 days ask for one more day: within a tenth of 31 days, so nothing is written.
    assert statuses(sync(run, path, "--expiration", "31d")) == ["unchanged"]
    assert writes(emulator) == []
    tighter = sync(run, path, "--expiration", "31d", "--expiry-tolerance", "1h")
    assert statuses(tighter) == ["updated"] and "expirationTime" in tighter["results"][0]["reason"]


def test_the_services_own_cap_refusal_is_reported_item_by_item(tmp_path: Path) -> None:
    # With Ti.ReadWrite an app cannot see other apps' indicators, so its plan cannot count them;
    # the service then refuses what passes the cap, and each refused item says so.
    with EmulatorServer(Settings(limits="off", cap=5)) as small:
        narrow = small.register_app(name="narrow", role="Ti.ReadWrite", secret="narrow-secret-1")
        small.admin("POST", "seed", {"clientId": small.env()["MDE_CLIENT_ID"], "count": 4})
        env = {**small.env(narrow), "MDE_INDICATORS_CONFIG": str(tmp_path / "none.toml")}
        path = text(tmp_path, VALUES)
        result = runner().invoke(
            main, ["sync", path, "--application", APP, "--action", "Block", "--json"], env=env
        )
    document = json.loads(result.stdout)
    assert result.exit_code == 1
    assert document["plan"]["others"] == 0
    assert statuses(document) == ["submitted", "failed", "failed"]
    assert "Maximum number of active indicators (5)" in document["results"][1]["reason"]
