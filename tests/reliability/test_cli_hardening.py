"""The CLI under a careless setup: `check` never prints a proxy's password, a private key other users can
read is refused as a secret file is, and `submit` of a protected value with a blocking action exits 1 with
the reason, since nothing the user asked for was done."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import trustme
from click.testing import CliRunner

from mde_emulator import EmulatorServer
from mde_indicators.cli import main
from tests.reliability.hostile import Figures

FIGURES = Figures("cli-hardening")
_figures = FIGURES.fixture()
PROXY_PASSWORD = "pr0xy-Pa55-canary"


def invoke(args: List[str], env: Dict[str, Any]) -> Any:
    full = {**env, "MDE_INDICATORS_CONFIG": "/nonexistent"}
    return CliRunner().invoke(main, args, env=full, catch_exceptions=False)


def output_of(done: Any) -> str:
    return (done.stdout if hasattr(done, "stdout") else done.output) + (
        done.stderr if hasattr(done, "stderr") else ""
    )


def test_check_masks_the_proxy_password(emulator_env: Dict[str, str]) -> None:
    proxy = f"http://svc-user:{PROXY_PASSWORD}@127.0.0.1:9"
    env = {**emulator_env, "MDE_PROXY": proxy, "MDE_MAX_ATTEMPTS": "1"}
    shown = [
        invoke(["check", "--json"], env),
        invoke(["check"], env),
        invoke(["-vv", "check"], env),
    ]
    for done in shown:
        assert PROXY_PASSWORD not in output_of(done)
    settings = json.loads(output_of(shown[0])[output_of(shown[0]).index("{") :])["settings"]
    assert settings["proxy"] == "http://svc-user:********@127.0.0.1:9"
    FIGURES.add("check with a proxy password", attacks=len(shown), leaked=0)


def test_a_private_key_others_can_read_is_refused(
    emulator_env: Dict[str, str], tmp_path: Path
) -> None:
    pem = tmp_path / "client.pem"
    leaf = trustme.CA(key_type=trustme.KeyType.RSA).issue_cert(
        "client.example", key_type=trustme.KeyType.RSA
    )
    pem.write_bytes(leaf.private_key_and_cert_chain_pem.bytes())
    env = {k: v for k, v in emulator_env.items() if k != "MDE_CLIENT_SECRET"}
    env["MDE_CLIENT_CERTIFICATE"] = str(pem)
    refused = 0
    for mode in (0o644, 0o640, 0o604):
        pem.chmod(mode)
        done = invoke(["list"], env)
        assert done.exit_code == 2 and "readable by others" in output_of(done), output_of(done)
        refused += 1
    FIGURES.add("private key readable by group or others", attacks=3, refused=refused)


def test_submit_of_a_protected_value_exits_1_with_the_reason(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    blocked = invoke(["submit", "--value", "8.8.8.8", "--action", "Block", "--json"], emulator_env)
    (result,) = json.loads(output_of(blocked)[output_of(blocked).index("{") :])["results"]
    assert blocked.exit_code == 1 and result["status"] == "protected" and result["reason"]
    allowed = invoke(["submit", "--value", "8.8.8.8", "--action", "Allowed"], emulator_env)
    assert allowed.exit_code == 0
    writes = [
        e
        for e in emulator.requests_log()
        if e.get("method") == "POST" and "indicators" in e["path"]
    ]
    assert len(writes) == 1  # only the allowed one was sent
    FIGURES.add("submit of a protected value with Block", cases=2, wrong_exit=0)
