"""The other verbs with the new inputs and guardrails: import of each format, submit, delete, output files."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Dict, List

import pytest

from mde_emulator import EmulatorServer

from .conftest import Run, api_calls, rows, writes

MD5 = "44d88612fea8a8f36de82e1278abb02f"
BUNDLE = {
    "type": "bundle",
    "id": "bundle--00000000-0000-4000-8000-000000000001",
    "objects": [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--00000000-0000-4000-8000-000000000002",
            "created": "2024-01-01T00:00:00.000Z",
            "modified": "2024-01-01T00:00:00.000Z",
            "pattern": f"[file:hashes.MD5 = '{MD5}']",
            "pattern_type": "stix",
            "valid_from": "2024-01-01T00:00:00Z",
        }
    ],
}
INPUTS: Dict[str, str] = {
    "iocs.csv": f"IndicatorType,IndicatorValue,Action,Title\nFileMd5,{MD5},Block,From CSV\n",
    "iocs.json": json.dumps([{"indicatorValue": MD5, "indicatorType": "FileMd5"}]),
    "iocs.jsonl": json.dumps({"indicatorValue": MD5}) + "\n",
    "iocs.txt": f"# one hash\n{MD5}  # EICAR\n",
    "bundle.json": json.dumps(BUNDLE),
}


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_import_reads_each_input_format(
    run: Run, emulator: EmulatorServer, tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_text(INPUTS[name], encoding="utf-8")
    result = run("import", str(path), "--action", "Block", "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    (row,) = rows(emulator)
    assert (row["indicatorValue"], row["indicatorType"], row["action"]) == (MD5, "FileMd5", "Block")


def test_import_from_standard_input(run: Run, emulator: EmulatorServer) -> None:
    result = run("import", "-", "--action", "Audit", "--json", input=f"{MD5}\nevil.example.net\n")
    assert result.exit_code == 0
    assert {r["indicatorValue"] for r in rows(emulator)} == {MD5, "evil.example.net"}


def test_import_never_blocks_protected_values_and_honours_max_changes(
    run: Run, emulator: EmulatorServer
) -> None:
    feed = "8.8.8.8\nevil.example.net\nmicrosoft.com\n"
    result = run("import", "-", "--action", "Block", "--json", input=feed)
    document = json.loads(result.stdout)
    assert [r["status"] for r in document["results"]] == ["protected", "submitted", "protected"]
    assert [c["items"] for c in writes(emulator)] == [1]
    refused = run("import", "-", "--action", "Block", "--max-changes", "0", "--json", input=feed)
    assert refused.exit_code == 1
    assert {r["reason_code"] for r in json.loads(refused.stdout)["results"]} == {
        "protected",
        "max_changes",
    }
    assert [c["items"] for c in writes(emulator)] == [1]


def test_import_dry_run_makes_no_call_at_all(run: Run, emulator: EmulatorServer) -> None:
    result = run(
        "import", "-", "--action", "Block", "--dry-run", "--json", input="evil.example.net\n"
    )
    assert [r["status"] for r in json.loads(result.stdout)["results"]] == ["dry_run"]
    assert api_calls(emulator) == []


def test_submit_refuses_to_block_a_protected_value_but_allows_it(
    run: Run, emulator: EmulatorServer
) -> None:
    blocked = run("submit", "--value", "1.1.1.1", "--action", "Block", "--json")
    assert json.loads(blocked.stdout)["results"][0]["status"] == "protected"
    assert writes(emulator) == []
    allowed = run("submit", "--value", "1.1.1.1", "--action", "Allowed", "--json")
    assert json.loads(allowed.stdout)["results"][0]["status"] == "submitted"
    forced = run(
        "submit", "--value", "8.8.4.4", "--action", "Block", "--no-builtin-protected", "--json"
    )
    assert json.loads(forced.stdout)["results"][0]["status"] == "submitted"


def test_delete_dry_run_and_max_changes_write_nothing(run: Run, emulator: EmulatorServer) -> None:
    for value in ("a.evil.example.net", "b.evil.example.net"):
        run("submit", "--value", value, "--action", "Block")
    ids = [r["id"] for r in rows(emulator)]
    dry = run("delete", *ids, "--dry-run", "--json")
    assert [r["status"] for r in json.loads(dry.stdout)["results"]] == ["dry_run", "dry_run"]
    capped = run(
        "delete",
        "--value",
        "a.evil.example.net",
        "--value",
        "b.evil.example.net",
        "--max-changes",
        "1",
        "--json",
    )
    assert capped.exit_code == 1
    assert {r["reason_code"] for r in json.loads(capped.stdout)["results"]} == {"max_changes"}
    assert [c["op"] for c in writes(emulator) if c["op"] != "SubmitIndicator"] == []
    assert len(rows(emulator)) == 2
    done = run("delete", *ids, "--max-changes", "2", "--json")
    assert done.exit_code == 0 and rows(emulator) == []


def test_csv_output_has_one_formula_safe_row_per_input_item(
    run: Run, emulator: EmulatorServer, tmp_path: Path
) -> None:
    out = tmp_path / "results.csv"
    feed = 'evil.example.net\n=HYPERLINK("http://x")\n@SUM(1)\n'
    result = run("import", "-", "--action", "Block", "--output", str(out), input=feed)
    assert result.exit_code == 1
    with out.open(encoding="utf-8", newline="") as fh:
        table: List[Dict[str, str]] = list(csv.DictReader(fh))
    assert [r["index"] for r in table] == ["1", "2", "3"]
    assert [r["status"] for r in table] == ["submitted", "invalid", "invalid"]
    assert table[1]["value"].startswith("'=") and table[2]["value"].startswith("'@")


def test_json_output_lists_every_item_and_the_summary(run: Run, emulator: EmulatorServer) -> None:
    result = run(
        "import", "-", "--action", "Block", "--json", input="evil.example.net\nnot a value\n"
    )
    document = json.loads(result.stdout)
    assert document["summary"] == {"submitted": 1, "invalid": 1}
    assert [r["index"] for r in document["results"]] == [0, 1]
    assert document["results"][1]["reason_code"] == "type_undetected"


def test_progress_and_tables_stay_off_stderr_when_it_is_not_a_terminal(
    run: Run, emulator: EmulatorServer
) -> None:
    values = "".join(f"{n:064x}\n" for n in range(1, 701))
    result = run("sync", "-", "--application", "Feed", "--action", "Block", input=values)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "Summary" in result.stdout and "submitted" in result.stdout
