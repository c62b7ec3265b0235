"""Input files: the portal CSV template, JSON in three shapes and JSON Lines, all to wire field names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mde_indicators.errors import ConfigurationError
from mde_indicators.ops.inputs.readers import read_items

ROOT = Path(__file__).resolve().parents[3]


def test_portal_csv_template_columns_map_to_wire_fields() -> None:
    items = read_items(str(ROOT / "samples" / "indicators.csv"))
    first = items[0]
    assert first["indicatorType"] == "FileSha256"
    assert {
        "indicatorValue",
        "action",
        "severity",
        "title",
        "description",
        "category",
        "mitreTechniques",
        "generateAlert",
    } <= set(first)
    assert "IndicatorValue" not in first


def test_csv_headers_may_use_wire_names(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("indicatorValue,action\n8.8.8.8,Block\n", encoding="utf-8")
    assert read_items(str(path)) == [{"indicatorValue": "8.8.8.8", "action": "Block"}]


@pytest.mark.parametrize(
    "document",
    [
        [{"indicatorValue": "8.8.8.8", "action": "Block"}],
        {"Indicators": [{"indicatorValue": "8.8.8.8", "action": "Block"}]},
        {
            "value": [
                {
                    "id": "7",
                    "indicatorValue": "8.8.8.8",
                    "action": "Block",
                    "createdBy": "app",
                    "@odata.etag": "x",
                }
            ]
        },
    ],
)
def test_json_lists_import_bodies_and_list_output_are_read(
    tmp_path: Path, document: object
) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert read_items(str(path)) == [{"indicatorValue": "8.8.8.8", "action": "Block"}]


def test_jsonl_reads_one_object_per_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(
        '{"indicatorValue": "8.8.8.8"}\n\n{"indicatorValue": "1.1.1.1"}\n', encoding="utf-8"
    )
    assert [i["indicatorValue"] for i in read_items(str(path))] == ["8.8.8.8", "1.1.1.1"]


def test_broken_json_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="Not valid JSON"):
        read_items(str(path))


def test_missing_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="Cannot read"):
        read_items(str(tmp_path / "absent.csv"))
