"""Run SOAR app actions from the tests and the build: params and asset to files, one runner process per
action, the results back as data. The environment is a clean one: an asset is configured only through its
fields, so no MDE_* variable of the caller can leak in.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

RUNNER = Path(__file__).with_name("runner.py")
# What a process needs from the caller's environment; nothing else is passed on.
PASSED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "NO_PROXY", "no_proxy")


@dataclass
class ActionRun:
    action: str
    returncode: int
    stdout: str
    stderr: str
    results: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def result(self) -> Dict[str, Any]:
        if len(self.results) != 1:
            raise AssertionError(
                f"{self.action}: {len(self.results)} results\n{self.output[-3000:]}"
            )
        return self.results[0]

    @property
    def success(self) -> bool:
        return bool(self.result["status"])

    @property
    def data(self) -> List[Dict[str, Any]]:
        return list(self.result["data"])

    @property
    def summary(self) -> Dict[str, Any]:
        return dict(self.result["summary"])

    @property
    def message(self) -> str:
        return str(self.result["message"])

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def clean_env(extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    env = {k: os.environ[k] for k in PASSED if k in os.environ}
    env["NO_PROXY"] = ",".join(filter(None, [env.get("NO_PROXY"), "127.0.0.1", "localhost"]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return {**env, **(extra or {})}


class SoarRunner:
    """Runs actions of the app in app_dir (the folder holding src/) with python (the app's venv)."""

    def __init__(self, python: str, app_dir: Path, work: Path, asset: Mapping[str, Any]) -> None:
        self.python = python
        self.app_dir = app_dir
        self.work = work
        self.asset = dict(asset)
        self.count = 0
        work.mkdir(parents=True, exist_ok=True)

    def _write(self, name: str, data: Any) -> Path:
        path = self.work / f"{self.count:03d}-{name}.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        return path

    def _command(
        self,
        action: str,
        params: Optional[Mapping[str, Any]],
        asset: Optional[Mapping[str, Any]],
        vault: Sequence[Path],
        debug_logs: bool,
    ) -> tuple:
        self.count += 1
        results = self.work / f"{self.count:03d}-results.json"
        command = [
            self.python,
            str(RUNNER),
            "--app-dir",
            str(self.app_dir),
            "--results",
            str(results),
        ]
        for path in vault:
            command += ["--vault", str(path)]
        if debug_logs:
            command.append("--debug-logs")
        asset_file = self._write("asset", {**self.asset, **(asset or {})})
        command += ["--", "action", action, "-a", str(asset_file)]
        if params is not None:
            command += ["-p", str(self._write("params", dict(params)))]
        return command, results

    def run(
        self,
        action: str,
        params: Optional[Mapping[str, Any]] = None,
        *,
        asset: Optional[Mapping[str, Any]] = None,
        vault: Sequence[Path] = (),
        debug_logs: bool = False,
        env: Optional[Mapping[str, str]] = None,
        timeout: float = 600,
    ) -> ActionRun:
        command, results = self._command(action, params, asset, vault, debug_logs)
        done = subprocess.run(
            command,
            cwd=self.work,
            env=clean_env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return ActionRun(action, done.returncode, done.stdout, done.stderr, _read(results))

    def start(self, action: str, params: Mapping[str, Any]) -> Started:
        """An action running in the background (for concurrency tests)."""
        command, results = self._command(action, params, None, (), False)
        process = subprocess.Popen(
            command,
            cwd=self.work,
            env=clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return Started(action, process, results)


@dataclass
class Started:
    action: str
    process: subprocess.Popen
    results: Path

    def wait(self, timeout: float = 600) -> ActionRun:
        stdout, stderr = self.process.communicate(timeout=timeout)
        return ActionRun(self.action, self.process.returncode, stdout, stderr, _read(self.results))


def _read(path: Path) -> List[Dict[str, Any]]:
    return list(json.loads(path.read_text())) if path.exists() else []


def asset_for(env: Mapping[str, str], ca_pem: str, **fields: Any) -> Dict[str, Any]:
    """An asset pointing at an MDE stand-in from its MDE_* settings (URLs, tenant, app) and CA text."""
    return {
        "tenant_id": env["MDE_TENANT_ID"],
        "client_id": env["MDE_CLIENT_ID"],
        "client_secret": env["MDE_CLIENT_SECRET"],
        "api_url": env["MDE_API_URL"],
        "authority_url": env["MDE_AUTHORITY_URL"],
        "ca_bundle": ca_pem,
        **fields,
    }
