"""One bad object never aborts a feed: a STIX pattern of 400 OR'd comparisons, JSON nested thousands deep,
a broken JSON Lines line, a UTF-16 file, a CSV field over 128 KiB and a value of a mebibyte each become an
item with a status and a reason (or, for a file that cannot be read at all, one clear file-level error),
while every other item goes on."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from click.testing import CliRunner

from mde_emulator import EmulatorServer
from mde_indicators.cli import main
from tests.reliability.hostile import Figures

FIGURES = Figures("bad-feeds")
_figures = FIGURES.fixture()
GOOD = ["good-one.example.net", "good-two.example.net"]
DEEP = 100_000


def run_import(path: Path, env: Dict[str, str], *extra: str) -> Tuple[int, Any, str]:
    done = CliRunner().invoke(
        main,
        ["import", str(path), "--action", "Block", "--json", *extra],
        env={**env, "MDE_INDICATORS_CONFIG": "/nonexistent"},
        catch_exceptions=False,
    )
    stdout = done.stdout if hasattr(done, "stdout") else done.output
    stderr = done.stderr if hasattr(done, "stderr") else ""
    document = json.loads(stdout[stdout.index("{") :]) if "{" in stdout else None
    return done.exit_code, document, stdout + stderr


def statuses(document: Any) -> List[str]:
    return [r["status"] for r in document["results"]]


def in_mde(emulator: EmulatorServer) -> set:
    return {r["indicatorValue"] for r in emulator.admin("GET", "indicators")["value"]}


def stix_indicator(n: int, pattern: str) -> Dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{n:08x}-0000-4000-8000-000000000000",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "valid_from": "2024-01-01T00:00:00Z",
        "name": f"indicator {n}",
        "pattern": pattern,
        "pattern_type": "stix",
    }


def stix_bundle(*objects: Dict[str, Any]) -> str:
    return json.dumps(
        {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": objects}
    )


def test_a_stix_pattern_of_400_ors_does_not_abort_the_bundle(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    ors = " OR ".join(f"[file:hashes.'SHA-256' = '{n:064x}']" for n in range(1, 401))
    path = tmp_path / "feed.stix.json"
    path.write_text(
        stix_bundle(stix_indicator(1, ors), stix_indicator(2, f"[domain-name:value = '{GOOD[0]}']"))
    )
    _code, document, output = run_import(path, emulator.env())
    assert document is not None, output[-2000:]
    assert GOOD[0] in in_mde(emulator)
    big = [r for r in document["results"] if r["value"] != GOOD[0]]
    assert big and {r["status"] for r in big} <= {"submitted", "invalid"}
    assert all(r["reason"] for r in big if r["status"] == "invalid")
    FIGURES.add(
        "STIX pattern of 400 ORs", objects=2, aborted=False, results=len(document["results"])
    )


def test_json_nested_too_deeply_is_one_clear_error(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * DEEP + "]" * DEEP)
    code, _document, output = run_import(path, emulator.env())
    assert code == 2 and "nested too deeply" in output and "Traceback" not in output
    FIGURES.add("JSON nested 100,000 deep", files=1, clear_error=True)


def test_bad_json_lines_are_invalid_items_and_the_rest_go_on(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    nested_field = json.dumps(
        {"indicatorValue": GOOD[1], "title": json.loads("[" * 900 + "]" * 900)}
    )
    lines = [
        json.dumps({"indicatorValue": GOOD[0]}),
        "[" * DEEP + "]" * DEEP,
        '{"indicatorValue": "broken',
        nested_field,
        json.dumps({"indicatorValue": GOOD[1]}),
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    _code, document, output = run_import(path, emulator.env())
    assert document is not None, output[-2000:]
    assert statuses(document) == ["submitted", "invalid", "invalid", "invalid", "submitted"]
    reasons = [r["reason"] for r in document["results"]]
    assert "nested too deeply" in reasons[1] and "Not valid JSON" in reasons[2]
    assert "must be text" in reasons[3]
    assert set(GOOD) <= in_mde(emulator)
    FIGURES.add("JSON Lines: deep, broken and nested-field lines", items=5, invalid=3, lost=0)


@pytest.mark.parametrize("bom", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_utf16_and_utf32_files_with_a_byte_order_mark_are_read(
    emulator: EmulatorServer, tmp_path: Path, bom: str
) -> None:
    marks = {
        "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE,
    }
    csv_path = tmp_path / "feed.csv"
    csv_text = "IndicatorType,IndicatorValue\r\n" + "".join(f"DomainName,{v}\r\n" for v in GOOD)
    csv_path.write_bytes(marks[bom] + csv_text.encode(bom))
    _code, document, output = run_import(csv_path, emulator.env())
    assert document is not None and statuses(document) == ["submitted", "submitted"], output[-2000:]
    FIGURES.add(f"CSV in {bom} with a byte-order mark", items=2, lost=0)


def test_a_file_that_is_not_text_is_one_clear_error(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    path = tmp_path / "feed.txt"
    path.write_bytes(b"good.example.net\n\xff\xfe\xfa not utf-8\n")
    code, _document, output = run_import(path, emulator.env())
    assert code == 2 and "UTF-8" in output and "Traceback" not in output
    FIGURES.add("undecodable bytes", files=1, clear_error=True)


def test_a_csv_field_over_128_kib_is_one_invalid_row(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    path = tmp_path / "feed.csv"
    rows = [
        f"DomainName,{GOOD[0]}",
        "DomainName," + "a" * 200_000 + ".example",
        f"DomainName,{GOOD[1]}",
    ]
    path.write_text("IndicatorType,IndicatorValue\n" + "\n".join(rows) + "\n")
    _code, document, output = run_import(path, emulator.env())
    assert document is not None, output[-2000:]
    assert statuses(document) == ["submitted", "invalid", "submitted"]
    assert document["results"][1]["reason_code"] == "value_too_long"
    FIGURES.add("CSV field of 200,000 characters", items=3, invalid=1, lost=0)


def test_a_value_of_a_mebibyte_is_refused_for_its_length(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    path = tmp_path / "feed.txt"
    path.write_text("x" * 1_048_576 + "\n" + GOOD[0] + "\n")
    _code, document, output = run_import(path, emulator.env())
    assert document is not None and statuses(document) == ["invalid", "submitted"]
    refused = document["results"][0]
    assert refused["reason_code"] == "value_too_long"
    assert "1,048,576 characters" in refused["reason"]
    assert len(refused["value"]) <= 2049 and len(output) < 100_000
    FIGURES.add("one value of 1 MiB", items=2, invalid=1, lost=0)


def test_sync_does_not_delete_missing_indicators_when_a_line_could_not_be_read(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    env = {**emulator.env(), "MDE_INDICATORS_CONFIG": "/nonexistent"}
    first = tmp_path / "first.jsonl"
    first.write_text("".join(json.dumps({"indicatorValue": v}) + "\n" for v in GOOD))
    args = ["sync", "--application", "feed", "--action", "Block", "--delete-missing", "--json"]
    assert CliRunner().invoke(main, [*args[:1], str(first), *args[1:]], env=env).exit_code == 0
    second = tmp_path / "second.jsonl"
    second.write_text(json.dumps({"indicatorValue": GOOD[0]}) + '\n{"indicatorValue": "good-tw\n')
    done = CliRunner().invoke(main, [*args[:1], str(second), *args[1:]], env=env)
    assert done.exit_code == 1 and "could not be read" in (
        done.stdout if hasattr(done, "stdout") else done.output
    )
    assert set(GOOD) <= in_mde(emulator)
    FIGURES.add("sync --delete-missing over an unreadable line", items=2, deleted=0)


def test_a_stix_pattern_nested_thousands_deep_is_one_invalid_item(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    deep = "(" * 5000 + "[domain-name:value = 'deep.example.net']" + ")" * 5000
    path = tmp_path / "deep.stix.json"
    path.write_text(
        stix_bundle(
            stix_indicator(3, deep), stix_indicator(4, f"[domain-name:value = '{GOOD[1]}']")
        )
    )
    _code, document, output = run_import(path, emulator.env())
    assert document is not None, output[-2000:]
    assert statuses(document) == ["invalid", "submitted"]
    assert "nest more than" in document["results"][0]["reason"]
    assert len(document["results"][0]["value"]) <= 2049
    nested = tmp_path / "nested.stix.json"
    nested.write_text('{"type": "bundle", "objects": ' + "[" * DEEP + "]" * DEEP + "}")
    code, _document, output = run_import(nested, emulator.env())
    assert code == 2 and "nested too deeply" in output and "Traceback" not in output
    FIGURES.add("STIX pattern nested 5,000 deep; bundle nested 100,000 deep", objects=3, lost=0)
