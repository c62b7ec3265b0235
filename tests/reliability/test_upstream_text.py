"""Bearer tokens are masked everywhere and upstream error text is never passed through verbatim: an API that
echoes the caller's Authorization header into its error message and per-item failure reasons, with line
breaks and kilobytes of padding, shows neither the token nor a forged line in the CLI (at -vv too) or in
Splunk (rows, inspector messages, the app's logs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

from mde_emulator import EmulatorServer
from mde_testkit.splunk.harness import SplunkHarness, account_settings
from tests.reliability.hostile import Figures, HostileServer, Received, answer

FIGURES = Figures("upstream-text")
_figures = FIGURES.fixture()
INJECTED = "\r\nINFO forged line\n"
PADDING = "x" * 5000


def echo(server: HostileServer, request: Received, conn) -> None:  # type: ignore[no-untyped-def]
    """Echo the caller's token into every answer: the error envelope, and each import item's reason."""
    token = request.headers.get("Authorization", "")
    text = f"Denied for {token}{INJECTED}{PADDING}"
    if request.path.endswith("/import"):
        items = json.loads(request.body or b"{}").get("Indicators") or []
        results = [
            {"id": None, "indicator": i["indicatorValue"], "isFailed": True, "failureReason": text}
            for i in items
        ]
        answer(conn, 200, {"value": results})
    else:
        answer(conn, 400, {"error": {"code": f"Bad{INJECTED}", "message": text, "target": token}})


def token_of(server: HostileServer) -> str:
    header = next(
        r.headers["Authorization"] for r in server.received if "Authorization" in r.headers
    )
    return header.split(" ", 1)[1]


def shows(text: str, token: str) -> List[str]:
    """What text must not show: the token (or a good part of it), a forged line, the whole padding."""
    found = []
    if token[-40:] in text or token[:40] in text:
        found.append("token")
    if "\nINFO forged line" in text or "\rINFO forged line" in text:
        found.append("forged line")
    if PADDING in text:
        found.append("unbounded text")
    return found


def env_for(emulator_env: Dict[str, str], server: HostileServer, tmp: Path) -> Dict[str, str]:
    bundle = tmp / "trusted.pem"
    bundle.write_bytes(
        Path(emulator_env["MDE_CA_BUNDLE"]).read_bytes() + server.ca.cert_pem.bytes()
    )
    return dict(emulator_env, MDE_CA_BUNDLE=str(bundle), MDE_API_URL=server.url)


def cli(args: List[str], env: Dict[str, str]) -> subprocess.CompletedProcess:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MDE_")}
    full = {**inherited, **env, "MDE_MAX_ATTEMPTS": "1", "MDE_INDICATORS_CONFIG": "/nonexistent"}
    return subprocess.run(
        [sys.executable, "-m", "mde_indicators.cli", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_cli_never_shows_an_echoed_token_or_upstream_text_verbatim(
    emulator_env: Dict[str, str], tmp_path: Path
) -> None:
    feed = tmp_path / "feed.txt"
    feed.write_text("a" * 64 + "\nbad.example.net\n")
    with HostileServer(echo) as server:
        env = env_for(emulator_env, server, tmp_path)
        runs = {
            "list -vv": cli(["-vv", "list"], env),
            "import --json -vv": cli(
                ["-vv", "import", str(feed), "--action", "Block", "--json"], env
            ),
            "submit": cli(["submit", "--value", "b" * 64, "--action", "Block"], env),
        }
        token = token_of(server)
    for name, done in runs.items():
        assert done.returncode == 1, (name, done.stderr[-2000:])
        assert shows(done.stdout + done.stderr, token) == [], name
    results = json.loads(runs["import --json -vv"].stdout)["results"]
    assert [r["status"] for r in results] == ["failed", "failed"]
    assert all(
        "Denied for Bearer ********" in r["reason"] and len(r["reason"]) <= 500 for r in results
    )
    FIGURES.add("CLI: token and padding echoed by MDE", attacks=len(runs), leaked=0)


def test_splunk_never_shows_an_echoed_token_or_upstream_text_verbatim(
    splunk: SplunkHarness, emulator: EmulatorServer, tmp_path: Path
) -> None:
    env = emulator.env()
    with HostileServer(echo) as server:
        bundle = tmp_path / "trusted.pem"
        bundle.write_bytes(Path(env["MDE_CA_BUNDLE"]).read_bytes() + server.ca.cert_pem.bytes())
        settings = {**account_settings(env), "api_url": server.url, "ca_bundle": str(bundle)}
        splunk.add_account("echo", settings, {"client_secret": env["MDE_CLIENT_SECRET"]})
        submitted = splunk.run("mdesubmit field=v action=Block account=echo", [{"v": "c" * 64}])
        listed = splunk.run("mdelist account=echo")
        token = token_of(server)
    (row,) = submitted.rows
    assert row["mde_status"] == "failed" and "Bearer ********" in row["mde_error"]
    everything = json.dumps([submitted.rows, listed.rows, submitted.stderr, listed.stderr])
    everything += json.dumps([listed.errors(), submitted.errors()]) + splunk.logs()
    assert shows(everything, token) == []
    assert "forged line" not in "".join(
        line for line in splunk.logs().splitlines() if not line[:4].isdigit()
    )
    FIGURES.add("Splunk: token and padding echoed by MDE", attacks=2, leaked=0)
