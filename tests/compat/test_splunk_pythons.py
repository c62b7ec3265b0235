"""The core runs on Splunk's bundled interpreters: its unit tests and a live client session on 3.9 and 3.13."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import textwrap
from typing import Dict, Optional

import pytest

from mde_indicators_build.paths import BUILD, ROOT
from mde_testkit.interpreters import SPLUNK_PYTHONS, find_python

# The core's runtime dependencies, plus what its CLI-side modules (profiles) import, and pytest.
REQUIREMENTS = [
    "requests>=2.31",
    "msal>=1.31",
    "keyring>=24",
    "tomli>=1.1; python_version < '3.11'",
    "pytest>=7",
    "pytest-timeout",
]
pytestmark = pytest.mark.slow


def compat_python(version: str) -> str:
    """A venv for `version` with the core's runtime dependencies and pytest (cached under build/)."""
    base = find_python(version)
    if base is None:
        pytest.skip(
            f"Python {version} is not installed here (pyenv install {version} to run this check)"
        )
    target = BUILD / "compat" / f"py{version}"
    python = target / "bin" / "python"
    stamp = target / "requirements.sha256"
    digest = hashlib.sha256(json.dumps(REQUIREMENTS).encode()).hexdigest()
    if not python.exists() or not stamp.exists() or stamp.read_text() != digest:
        subprocess.run([base, "-m", "venv", "--clear", str(target)], check=True)
        pip = [str(python), "-m", "pip", "-q", "--disable-pip-version-check", "install"]
        subprocess.run([*pip, *REQUIREMENTS], check=True, timeout=600)
        stamp.write_text(digest)
    return str(python)


def run(
    python: str, *args: str, env: Optional[Dict[str, str]] = None
) -> subprocess.CompletedProcess:
    full_env = dict(
        os.environ, PYTHONPATH=str(ROOT / "packages"), PYTHONDONTWRITEBYTECODE="1", **(env or {})
    )
    return subprocess.run(
        [python, *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize("version", SPLUNK_PYTHONS)
def test_core_unit_tests_pass(version: str) -> None:
    python = compat_python(version)
    result = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit/core")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout


SESSION = textwrap.dedent(
    """
    import json, sys
    from mde_indicators.client import IndicatorsClient
    from mde_indicators.config import ClientConfig
    from mde_indicators.service import IndicatorService
    service = IndicatorService(IndicatorsClient.from_config(ClientConfig.from_env()))
    results = service.import_indicators([
        {"indicatorValue": "185.220.101.45", "action": "Block"},
        {"indicatorValue": "hxxps://bad[.]example/x", "action": "Warn", "expirationTime": "30d"},
        {"indicatorValue": "10.0.0.1", "action": "Block"},
    ])
    listed = [r["indicatorValue"] for r in service.client.iter_indicators()]
    deleted = service.delete_values(["185.220.101.45"])
    print(json.dumps({"version": "%d.%d" % sys.version_info[:2], "statuses": [r.status.value for r in results],
                      "listed": listed, "deleted": [r.status.value for r in deleted]}))
    """
)


@pytest.mark.parametrize("version", SPLUNK_PYTHONS)
def test_core_talks_to_the_emulator(version: str, emulator, emulator_env: Dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    python = compat_python(version)
    result = run(python, "-c", SESSION, env={**emulator_env, "NO_PROXY": "127.0.0.1,localhost"})
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["version"] == version
    assert report["statuses"] == ["submitted", "submitted", "invalid"]
    assert report["listed"] == ["185.220.101.45", "https://bad.example/x"]
    assert report["deleted"] == ["deleted"]
