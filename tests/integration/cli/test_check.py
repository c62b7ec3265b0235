"""`check`, profiles end to end, exit codes, help texts and shell completion."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from rich.console import Console

from mde_emulator import EmulatorServer
from mde_indicators.cli import main
from mde_indicators.cli.progress import Reporter
from tests.conftest import CANARY_SECRET

from .conftest import Run, api_calls, rows, runner, writes


def canary_env(emulator: EmulatorServer) -> dict:
    app = next(a for a in emulator.identity.apps.values() if a.name == "canary-app")
    return {"MDE_CLIENT_ID": app.client_id, "MDE_CLIENT_SECRET": CANARY_SECRET}


def test_check_passes_and_masks_the_secret(run: Run, emulator: EmulatorServer) -> None:
    result = run("check", env=canary_env(emulator))
    assert result.exit_code == 0, result.stdout
    assert CANARY_SECRET not in result.stdout + result.stderr
    assert "****** (set)" in result.stdout and "Ti.ReadWrite.All" in result.stdout
    document = json.loads(run("check", "--json", env=canary_env(emulator)).stdout)
    assert [c["check"] for c in document["checks"]] == ["sign-in", "read", "write"]
    assert all(c["ok"] for c in document["checks"])
    assert document["settings"]["client_secret"] == "****** (set)"


def test_check_write_probe_changes_nothing(run: Run, emulator: EmulatorServer) -> None:
    run("check")
    (probe,) = writes(emulator)
    assert (probe["op"], probe["items"], probe["status"]) == ("ImportIndicators", 0, 200)
    assert rows(emulator) == []


def test_check_reports_a_missing_role_as_a_permission_failure(
    run: Run, emulator: EmulatorServer
) -> None:
    app = emulator.register_app(name="no-role-app", role=None, secret="no-role-secret-1")
    env = {"MDE_CLIENT_ID": app.client_id, "MDE_CLIENT_SECRET": "no-role-secret-1"}
    document = json.loads(run("check", "--json", env=env).stdout)
    assert [(c["check"], c["ok"]) for c in document["checks"]] == [
        ("sign-in", True),
        ("read", False),
    ]
    assert run("check", env=env).exit_code == 3


def test_check_reports_a_wrong_secret_as_a_sign_in_failure(run: Run) -> None:
    result = run("check", env={"MDE_CLIENT_SECRET": "wrong-secret-value"})
    assert result.exit_code == 3
    assert "wrong-secret-value" not in result.stdout + result.stderr


def test_check_without_a_credential_is_a_configuration_error(run: Run) -> None:
    result = run("check", env={"MDE_CLIENT_SECRET": None})
    assert result.exit_code == 2 and "Configure exactly one credential" in result.stdout


def test_sync_exit_codes_for_usage_and_sign_in_errors(run: Run, tmp_path: Path) -> None:
    feed = tmp_path / "feed.txt"
    feed.write_text("evil.example.net\n", encoding="utf-8")
    assert run("sync", str(feed), "--action", "Block").exit_code == 2
    assert run("sync", str(feed), "--application", "A", "--prioritise", "oldest").exit_code == 2
    wrong = run("sync", str(feed), "--application", "A", env={"MDE_CLIENT_SECRET": "bad-secret-x"})
    assert wrong.exit_code == 3


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_profile_supplies_connection_secret_file_and_sync_defaults(
    run: Run, emulator: EmulatorServer, tmp_path: Path
) -> None:
    env = emulator.env()
    secret = tmp_path / "secret"
    secret.write_text(env["MDE_CLIENT_SECRET"], encoding="utf-8")
    secret.chmod(0o600)
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[profiles.lab]
tenant_id = "{env["MDE_TENANT_ID"]}"
client_id = "{env["MDE_CLIENT_ID"]}"
client_secret_file = "{secret}"
api_url = "{env["MDE_API_URL"]}"
authority_url = "{env["MDE_AUTHORITY_URL"]}"
ca_bundle = "{env["MDE_CA_BUNDLE"]}"
application = "Profile-Feed"

[profiles.lab.defaults]
action = "Block"
severity = "High"
""",
        encoding="utf-8",
    )
    feed = tmp_path / "feed.txt"
    feed.write_text("evil.example.net\n", encoding="utf-8")
    bare = {k: None for k in env if k.startswith("MDE_")}
    bare["MDE_INDICATORS_CONFIG"] = str(config)
    checked = run("--profile", "lab", "check", "--json", env=bare)
    assert checked.exit_code == 0, checked.stdout
    assert json.loads(checked.stdout)["settings"]["client_secret from"] == f"file {secret}"
    synced = run("--profile", "lab", "sync", str(feed), "--json", env=bare)
    assert synced.exit_code == 0, synced.stdout
    (row,) = rows(emulator)
    assert (row["application"], row["action"], row["severity"]) == ("Profile-Feed", "Block", "High")
    secret.chmod(0o644)
    refused = run("--profile", "lab", "check", env=bare)
    assert refused.exit_code == 2 and "chmod 600" in refused.stdout


def test_every_verb_has_help_with_examples() -> None:
    cli = runner()
    for name in main.list_commands(None):  # type: ignore[arg-type]
        result = cli.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Examples:" in result.stdout, f"{name} --help has no examples"


def complete(words: str) -> str:
    """What click's bash completion offers for the last of words."""
    env = {
        "_MDE_INDICATORS_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - 1),
    }
    return runner().invoke(main, [], prog_name="mde-indicators", env=env).stdout


def test_completion_script_and_completion_itself(run: Run, emulator: EmulatorServer) -> None:
    script = run("completion", "bash")
    assert script.exit_code == 0 and "_MDE_INDICATORS_COMPLETE" in script.stdout
    assert "sync" in complete("mde-indicators sy")
    assert "--delete-missing" in complete("mde-indicators sync --delete")
    assert api_calls(emulator) == []


def test_progress_bar_draws_on_a_terminal_only() -> None:
    shown = io.StringIO()
    with Reporter(Console(file=shown, force_terminal=True, width=100)) as reporter:
        reporter.task("Importing", total=10)(10)
    assert "Importing" in shown.getvalue()
    hidden = io.StringIO()
    with Reporter(Console(file=hidden, force_terminal=False)) as reporter:
        reporter.task("Importing", total=10)(10)
    assert hidden.getvalue() == ""
