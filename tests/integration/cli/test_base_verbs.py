"""The base CLI verbs against the emulator: per-item output, JSON, and the documented exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Optional

import pytest
from click.testing import CliRunner

from mde_emulator import EmulatorServer
from mde_indicators.cli import main
from tests.conftest import CANARY_SECRET

ROOT = Path(__file__).resolve().parents[3]
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b857"


@pytest.fixture()
def run(emulator_env: Dict[str, str]):  # type: ignore[no-untyped-def]
    def invoke(*args: str, env: Optional[Dict[str, str]] = None, input: Optional[str] = None):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(
            main,
            list(args),
            env={**emulator_env, **(env or {})},
            input=input,
            catch_exceptions=False,
        )

    return invoke


def test_submit_prints_the_result_and_exits_0(run) -> None:  # type: ignore[no-untyped-def]
    result = run("submit", "--value", SHA, "--action", "Block", "--severity", "High", "--json")
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.output)["results"]
    assert item["status"] == "submitted" and item["indicator_type"] == "FileSha256"


def test_import_of_the_portal_template_exits_1_when_some_rows_are_invalid(
    run, emulator: EmulatorServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "results.csv"
    result = run(
        "import",
        str(ROOT / "samples" / "indicators.csv"),
        "--expiration",
        "30d",
        "--json",
        "--output",
        str(out),
    )
    assert result.exit_code == 1
    summary = json.loads(result.output)["summary"]
    assert summary == {"submitted": 7, "invalid": 2}
    rows = out.read_text().splitlines()
    assert len(rows) == 1 + 9 and rows[0].startswith("index,value")
    assert len(emulator.admin("GET", "indicators")["value"]) == 7


def test_import_reads_stdin(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "import",
        "-",
        "--format",
        "jsonl",
        "--action",
        "Audit",
        "--json",
        input='{"indicatorValue": "185.220.101.45"}\n',
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["results"][0]["action"] == "Audit"


def test_list_filters_and_get_shows_one(run) -> None:  # type: ignore[no-untyped-def]
    run("submit", "--value", "bad.example", "--action", "Warn")
    run("submit", "--value", SHA, "--action", "Block")
    listed = json.loads(run("list", "--type", "DomainName", "--json").output)
    assert [r["indicatorValue"] for r in listed] == ["bad.example"]
    shown = run("get", listed[0]["id"])
    assert json.loads(shown.output)["action"] == "Warn"


def test_delete_by_value_and_by_id(run, emulator: EmulatorServer) -> None:  # type: ignore[no-untyped-def]
    run("submit", "--value", "bad.example", "--action", "Warn")
    run("submit", "--value", SHA, "--action", "Block")
    by_value = run("delete", "--value", "bad.example", "--json")
    assert by_value.exit_code == 0 and json.loads(by_value.output)["summary"] == {"deleted": 1}
    remaining = emulator.admin("GET", "indicators")["value"]
    assert run("delete", remaining[0]["id"]).exit_code == 0
    assert run("delete", "123456").exit_code == 1


def test_dry_run_sends_nothing(run, emulator: EmulatorServer) -> None:  # type: ignore[no-untyped-def]
    assert run("submit", "--value", SHA, "--action", "Block", "--dry-run").exit_code == 0
    assert run("import", str(ROOT / "samples" / "indicators.csv"), "--dry-run").exit_code == 1
    assert emulator.requests_log() == []


def test_usage_and_configuration_errors_exit_2(run) -> None:  # type: ignore[no-untyped-def]
    assert run("delete").exit_code == 2
    assert run("list", env={"MDE_CLOUD": "moon"}).exit_code == 2
    assert run("import", "/nonexistent.csv").exit_code == 2


def test_authentication_errors_exit_3_without_echoing_the_secret(run) -> None:  # type: ignore[no-untyped-def]
    result = run("list", env={"MDE_CLIENT_SECRET": CANARY_SECRET + "x"})
    assert result.exit_code == 3
    assert "invalid_client" in result.output and CANARY_SECRET not in result.output


def test_permission_errors_exit_3(run, emulator: EmulatorServer) -> None:  # type: ignore[no-untyped-def]
    app = emulator.admin("POST", "apps", {"name": "no-role", "secret": "no-role-secret"})
    assert (
        run(
            "list", env={"MDE_CLIENT_ID": app["clientId"], "MDE_CLIENT_SECRET": "no-role-secret"}
        ).exit_code
        == 3
    )


def test_every_verb_has_help_with_examples() -> None:
    for verb in ("submit", "import", "list", "delete"):
        result = CliRunner().invoke(main, [verb, "--help"])
        assert result.exit_code == 0 and "Examples" in result.output
