"""Vault files in every format the CLI reads, sync with delete_missing, and another MDE stand-in set up
only through the asset's URL and CA fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mde_emulator import EmulatorServer, Settings
from mde_indicators.ops.inputs.readers import read_items
from mde_testkit.soar.harness import SoarRunner, asset_for

from .conftest import stored

pytestmark = pytest.mark.soar
SAMPLES = Path(__file__).resolve().parents[3] / "samples"


@pytest.mark.parametrize(
    "name", ["indicators.csv", "feed.json", "feed.jsonl", "feed.txt", "feed.stix.json"]
)
def test_a_vault_file_is_imported_one_result_per_item_the_reader_finds(
    soar: SoarRunner, emulator: EmulatorServer, tmp_path: Path, name: str
) -> None:
    path = sample_file(tmp_path, name)
    expected = read_items(str(path))
    run = soar.run(
        "import_indicators", {"vault_id": "{vault:0}", "expiration": "30d"}, vault=[path]
    )
    assert run.success, run.output[-2000:]
    assert len(run.data) == len(expected) > 0
    assert all(r["status"] in ("submitted", "invalid", "duplicate", "protected") for r in run.data)


def sample_file(folder: Path, name: str) -> Path:
    """The sample CSV, or the same kind of indicators written in the other formats."""
    if name == "indicators.csv":
        return SAMPLES / name
    values = [
        "44d88612fea8a8f36de82e1278abb02f",
        "evil.example.com",
        "https://bad.example/x",
        "1.2.3.4",
    ]
    path = folder / name
    if name == "feed.json":
        path.write_text(json.dumps([{"indicatorValue": v, "action": "Audit"} for v in values]))
    elif name == "feed.jsonl":
        path.write_text("\n".join(json.dumps({"indicatorValue": v}) for v in values))
    elif name == "feed.txt":
        path.write_text("# feed\n" + "\n".join(values))
    else:
        pattern = {0: "[file:hashes.MD5 = '{}']", 1: "[domain-name:value = '{}']", 2: "[url:value = '{}']",
                   3: "[ipv4-addr:value = '{}']"}  # fmt: skip
        objects = [
            {"type": "indicator", "spec_version": "2.1", "id": f"indicator--0000000{n}-0000-4000-8000-000000000000",
             "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z", "pattern_type": "stix",
             "pattern": pattern[n].format(v), "valid_from": "2026-01-01T00:00:00Z"}
            for n, v in enumerate(values)
        ]  # fmt: skip
        path.write_text(json.dumps({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000",
                                    "objects": objects}))  # fmt: skip
    return path


def test_sync_creates_keeps_and_with_delete_missing_deletes_only_owned_indicators(
    soar: SoarRunner, emulator: EmulatorServer, tmp_path: Path
) -> None:
    assert soar.run("import_indicators", {"indicators": "1.2.3.4,5.6.7.8"}).success
    assert soar.run(
        "import_indicators", {"indicators": "9.8.7.6"}, asset={"application": "Other"}
    ).success
    feed = tmp_path / "feed.txt"
    feed.write_text("5.6.7.8\n4.3.2.1\n")
    dry = soar.run(
        "sync_indicators",
        {"vault_id": "{vault:0}", "delete_missing": True, "dry_run": True},
        vault=[feed],
    )
    assert dry.success and dry.summary["plan_create"] == 1 and dry.summary["plan_delete"] == 1
    assert set(stored(emulator)) == {"1.2.3.4", "5.6.7.8", "9.8.7.6"}
    run = soar.run(
        "sync_indicators", {"vault_id": "{vault:0}", "delete_missing": True}, vault=[feed]
    )
    assert run.success, run.output[-2000:]
    by_value = {r["value"]: r["status"] for r in run.data}
    assert by_value == {"5.6.7.8": "unchanged", "4.3.2.1": "submitted", "1.2.3.4": "deleted"}
    assert set(stored(emulator)) == {"5.6.7.8", "4.3.2.1", "9.8.7.6"}


def test_another_stand_in_is_reached_through_the_asset_url_and_ca_fields_alone(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    with EmulatorServer(Settings(limits="off")) as other:
        env = other.env()
        asset = asset_for(env, Path(other.ca_file).read_text())
        # The caller's MDE_* settings point at the first emulator: the app must not read them.
        misleading = {k: v for k, v in emulator.env().items() if k.startswith("MDE_")}
        run = soar.run("test_connectivity", asset=asset, env=misleading)
        assert run.success, run.output[-2000:]
        submitted = soar.run(
            "submit_indicator", {"indicator_value": "evil.example.com"}, asset=asset, env=misleading
        )
        assert submitted.success
        assert [r["indicatorValue"] for r in other.admin("GET", "indicators")["value"]] == [
            "evil.example.com"
        ]
        wrong_ca = soar.run(
            "test_connectivity", asset={**asset, "ca_bundle": Path(emulator.ca_file).read_text()}
        )
        assert not wrong_ca.success and "CERTIFICATE_VERIFY_FAILED" in wrong_ca.message
    assert stored(emulator) == {}
