"""Shared by the Splunk tests, the demo and the benchmarks: an installed copy of a built app and a fake
splunkd with an MDE account pointing at an emulator. Building the app is the build package's job."""

from __future__ import annotations

import json
import os
import tarfile
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping, Optional

import requests

from .driver import CommandRun, run_command
from .splunkd import AlertRun, FakeSplunkd

ACCOUNT = "primary"
ALERT_ACTION = "mde_submit_indicator"


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
    """A fake splunkd for one interpreter with the account created through the app's setup endpoint;
    run() drives a command, alert() fires the alert action."""

    def __init__(
        self, app_dir: Path, python: str, home: Path, emulator_env: Mapping[str, str]
    ) -> None:
        self.app_dir = app_dir
        self.python = python
        self.home = home
        self.env = splunk_env(home)
        self.emulator_env = dict(emulator_env)
        self.splunkd = FakeSplunkd(app_dir, python=python, env=self.env)
        self.fired = 0

    def __enter__(self) -> SplunkHarness:
        self.splunkd.__enter__()
        self.add_account(
            ACCOUNT,
            account_settings(self.emulator_env),
            {"client_secret": self.emulator_env["MDE_CLIENT_SECRET"]},
        )
        self.splunkd.confs.setdefault("mde_indicators", {})["settings"] = {
            "default_account": ACCOUNT
        }
        return self

    def __exit__(self, *exc: Any) -> None:
        self.splunkd.__exit__(*exc)

    def rest(
        self, method: str, path: str, body: Any = None, *, user: str = "admin"
    ) -> requests.Response:
        """Call the app's REST endpoint (/services/mde_indicators/<path>) as user, JSON in and out."""
        return self.call(method, f"/services/mde_indicators/{path}", body, user=user)

    def call(
        self, method: str, path: str, body: Any = None, *, user: str = "admin"
    ) -> requests.Response:
        """Any splunkd path (e.g. the app's KV Store collections) as user, JSON in and out."""
        with requests.Session() as session:
            session.trust_env = False  # loopback: a developer's proxy settings must not capture it
            return session.request(
                method,
                f"{self.splunkd.uri}{path}",
                params={"output_mode": "json"},
                data=json.dumps(body) if body is not None else None,
                headers={
                    "Authorization": f"Splunk {self.splunkd.token(user)}",
                    "Content-Type": "application/json",
                },
                timeout=120,
            )

    def add_account(
        self, name: str, settings: Mapping[str, str], secret: Mapping[str, str]
    ) -> None:
        """Create or update an account as an admin does on the setup page."""
        answer = self.rest("POST", "accounts", {"name": name, **settings, **secret})
        if answer.status_code != 200:
            raise RuntimeError(f"account {name}: HTTP {answer.status_code} {answer.text}")

    def remove_account(self, name: str) -> None:
        self.rest("DELETE", f"accounts/{name}")

    def run(
        self,
        command_line: str,
        rows: Iterable[Mapping[str, Any]] = (),
        *,
        user: str = "analyst",
        **kw: Any,
    ) -> CommandRun:
        kw.setdefault("splunkd_uri", self.splunkd.uri)
        return run_command(
            self.app_dir, command_line, rows, self.env, session_key=self.splunkd.token(user),
            python=self.python, **kw,
        )  # fmt: skip

    def alert(
        self,
        configuration: Mapping[str, Any],
        rows: Iterable[Mapping[str, Any]],
        *,
        user: str = "analyst",
        search_name: str = "Block hashes from EDR",
        argv: Iterable[str] = ("--execute",),
        server_uri: Optional[str] = None,
        action: str = ALERT_ACTION,
        sid: Optional[str] = None,
        app: Optional[str] = None,
    ) -> AlertRun:
        """Fire an alert action through the fake splunkd (payload on stdin, gzipped results, maxtime);
        a scheduled search's unless sid says otherwise."""
        self.fired += 1
        dispatch = Path(self.home) / "dispatch" / f"scheduler__{user}_{os.getpid()}_{self.fired}"
        return self.splunkd.sendalert(
            action, configuration, list(rows), user=user, dispatch=dispatch,
            search_name=search_name, argv=argv, server_uri=server_uri, sid=sid, app=app,
        )  # fmt: skip

    def logs(self) -> str:
        folder = self.home / "var" / "log" / "splunk"
        return "".join(
            p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.glob("*.log*"))
        )
