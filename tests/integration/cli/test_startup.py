"""The CLI starts light: --help and a verb's --help load neither the HTTP stack (requests, msal, PyJWT),
rich, the STIX parser nor the emulator's server stack; each loads when a verb needs it."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import List

import pytest

HEAVY = (
    "requests",
    "msal",
    "jwt",
    "rich",
    "mde_indicators.client",
    "mde_indicators.ops.inputs.stix_pattern",
    "mde_indicators.ops.sync.plan",
    "mde_emulator.server",
    "werkzeug",
    "cheroot",
)
PROBE = """
import json, sys
heavy = json.loads(sys.argv[2])
sys.argv = ["mde-indicators", *json.loads(sys.argv[1])]
from mde_indicators.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def loaded(*args: str) -> List[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args)), json.dumps(HEAVY)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    found: List[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.parametrize(
    "args", [("--help",), ("import", "--help"), ("sync", "--help"), ("emulator", "--help")]
)
def test_help_loads_no_http_stack_table_renderer_parser_or_server(args: tuple) -> None:
    assert loaded(*args) == []


def test_a_dry_run_import_of_a_stix_file_loads_the_parser_and_rich_but_not_the_server(
    tmp_path,
) -> None:  # type: ignore[no-untyped-def]
    bundle = tmp_path / "feed.stix.json"
    bundle.write_text(
        json.dumps(
            {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": []}
        )
    )
    found = loaded("import", str(bundle), "--dry-run")
    assert "mde_indicators.ops.inputs.stix_pattern" in found and "rich" in found
    assert "mde_emulator.server" not in found
