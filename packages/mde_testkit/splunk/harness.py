"""Shared by the Splunk tests, the demo and the benchmarks: an installed copy of a built app and a fake
splunkd with an MDE account pointing at an emulator. Building the app is the build package's job."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import tarfile
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping, Optional

from .driver import CommandRun, run_command, to_csv
from .splunkd import FakeSplunkd

ACCOUNT = "primary"


def install(spl: Path, apps_dir: Path) -> Path:
    """Unpack a built .spl into apps_dir, as Splunk installs an app; returns the app folder."""
    with tarfile.open(spl) as tar:
        names = {m.name.split("/", 1)[0] for m in tar.getmembers()}
        tar.extractall(apps_dir)  # noqa: S202 - our own package, checked by the build's verify step
    (app,) = names
    return apps_dir / app


def splunk_env(splunk_home: Path, extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Environment of processes splunkd starts: SPLUNK_HOME (logs go to var/log/splunk), no proxy for loopback."""
    (splunk_home / "var" / "log" / "splunk").mkdir(parents=True, exist_ok=True)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("MDE_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        SPLUNK_HOME=str(splunk_home), NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost"
    )
    env.update(extra or {})
    return env


def account_settings(emulator_env: Mapping[str, str]) -> Dict[str, str]:
    """An account (conf settings) signing in to the emulator described by its MDE_* variables."""
    return {
        "tenant_id": emulator_env["MDE_TENANT_ID"],
        "client_id": emulator_env["MDE_CLIENT_ID"],
        "api_url": emulator_env["MDE_API_URL"],
        "authority_url": emulator_env["MDE_AUTHORITY_URL"],
        "ca_bundle": emulator_env["MDE_CA_BUNDLE"],
        "max_retry_seconds": "20",
    }


class SplunkHarness:
    """A fake splunkd for one interpreter, with the account configured; run() drives a command."""

    def __init__(
        self, app_dir: Path, python: str, home: Path, emulator_env: Mapping[str, str]
    ) -> None:
        self.app_dir = app_dir
        self.python = python
        self.home = home
        self.env = splunk_env(home)
        self.splunkd = FakeSplunkd(app_dir, python=python, env=self.env)
        self.splunkd.add_account(
            ACCOUNT,
            account_settings(emulator_env),
            {"client_secret": emulator_env["MDE_CLIENT_SECRET"]},
        )
        self.splunkd.confs.setdefault("mde_indicators", {})["settings"] = {
            "default_account": ACCOUNT
        }

    def __enter__(self) -> SplunkHarness:
        self.splunkd.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.splunkd.__exit__(*exc)

    def run(
        self,
        command_line: str,
        rows: Iterable[Mapping[str, Any]] = (),
        *,
        user: str = "analyst",
        **kw: Any,
    ) -> CommandRun:
        return run_command(
            self.app_dir, command_line, rows, self.env, splunkd_uri=self.splunkd.uri,
            session_key=self.splunkd.token(user), python=self.python, **kw,
        )  # fmt: skip

    def alert(
        self,
        configuration: Mapping[str, Any],
        rows: Iterable[Mapping[str, Any]],
        *,
        user: str = "analyst",
        search_name: str = "Block hashes from EDR",
        argv: Iterable[str] = ("--execute",),
    ) -> subprocess.CompletedProcess:
        """Run the alert action as splunkd does: JSON payload on stdin, gzipped CSV results file."""
        dispatch = (
            Path(self.home)
            / "dispatch"
            / f"scheduler__{user}_{os.getpid()}_{len(os.listdir(self.home))}"
        )
        dispatch.mkdir(parents=True, exist_ok=True)
        rows = list(rows)
        results = dispatch / "results.csv.gz"
        with gzip.open(results, "wb") as fh:
            fh.write(to_csv(rows) if rows else b"")
        payload = {
            "app": self.app_dir.name, "owner": user, "results_file": str(results),
            "results_link": "http://splunk.example/app/search", "search_uri": "/servicesNS/nobody/search/saved/searches/x",
            "server_host": "sh1", "server_uri": self.splunkd.uri, "session_key": self.splunkd.token(user),
            "sid": f"scheduler__{user}__search__RMD5{dispatch.name}", "search_name": search_name,
            "configuration": dict(configuration), "result": dict(rows[0]) if rows else {},
        }  # fmt: skip
        script = self.app_dir / "bin" / "mde_submit_indicator.py"
        return subprocess.run(
            [self.python, str(script), *argv], input=json.dumps(payload), capture_output=True,
            text=True, env=self.env, cwd=str(self.app_dir / "bin"), timeout=300,
        )  # fmt: skip

    def logs(self) -> str:
        folder = self.home / "var" / "log" / "splunk"
        return "".join(
            p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.glob("*.log*"))
        )
