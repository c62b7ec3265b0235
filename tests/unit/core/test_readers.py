"""Input files: plain lists and STIX bundles join the CSV/JSON readers; the format is guessed sensibly."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from mde_indicators.errors import ConfigurationError
from mde_indicators.ops.inputs.readers import guess_format, read_items

BUNDLE = {
    "type": "bundle",
    "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
    "objects": [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--1d0092c5-5f74-4287-9642-33f4c354e56d",
            "created": "2024-01-01T00:00:00.000Z",
            "modified": "2024-01-01T00:00:00.000Z",
            "pattern": "[domain-name:value = 'evil.example.net']",
            "pattern_type": "stix",
            "valid_from": "2024-01-01T00:00:00Z",
        }
    ],
}


def test_plain_text_reads_one_value_a_line_without_comments_or_blanks(tmp_path: Path) -> None:
    path = tmp_path / "feed.txt"
    path.write_text(
        "# header comment\n\n44d88612fea8a8f36de82e1278abb02f  # EICAR\n"
        "  evil.example.net\t\nhttp://evil.example.net/a#frag\n",
        encoding="utf-8",
    )
    assert read_items(str(path)) == [
        {"indicatorValue": "44d88612fea8a8f36de82e1278abb02f"},
        {"indicatorValue": "evil.example.net"},
        {"indicatorValue": "http://evil.example.net/a#frag"},
    ]


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("feed.txt", "1.2.3.4\n", "text"),
        ("feed.lst", "a.example\n", "text"),
        ("iocs.csv", "IndicatorType,IndicatorValue\n", "csv"),
        ("bundle.json", json.dumps(BUNDLE), "stix"),
        ("rows.json", '[{"indicatorValue": "a.example"}]', "json"),
        ("rows.jsonl", '{"indicatorValue": "a.example"}\n', "jsonl"),
        ("-", json.dumps(BUNDLE, indent=2), "stix"),
        ("-", "# list\nevil.example.net\n", "text"),
        ("-", "IndicatorType,IndicatorValue\nDomainName,a.example\n", "csv"),
        ("-", '{"indicatorValue": "a.example"}\n{"indicatorValue": "b.example"}\n', "jsonl"),
    ],
)
def test_format_is_guessed_from_the_name_then_the_content(
    name: str, head: str, expected: str
) -> None:
    assert guess_format(name, head) == expected


def test_a_stix_bundle_is_read_through_the_stix_reader(tmp_path: Path) -> None:
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(BUNDLE), encoding="utf-8")
    (item,) = read_items(str(path))
    assert (item["indicatorType"], item["indicatorValue"]) == ("DomainName", "evil.example.net")


def test_dash_reads_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"evil.example.net\n185.220.101.4\n"), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    assert [i["indicatorValue"] for i in read_items("-")] == ["evil.example.net", "185.220.101.4"]


def test_a_missing_file_or_unknown_format_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="Cannot read"):
        read_items(str(tmp_path / "absent.txt"))
    (tmp_path / "x.txt").write_text("a.example\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="Unknown input format"):
        read_items(str(tmp_path / "x.txt"), "xml")
