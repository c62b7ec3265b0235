"""Every fault the emulator injects x every write path: every item ends with a final status, MDE holds no
duplicates, no request goes out before Retry-After has passed, and the run ends in bounded time."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from mde_emulator import EmulatorServer
from mde_testkit.splunk.harness import SplunkHarness
from tests.reliability.paths import PATHS

ITEMS = 6
BOUND_SECONDS = 90
FINAL = {
    "submitted",
    "updated",
    "unchanged",
    "failed",
    "queued",
    "accepted",
    "protected",
    "skipped",
}
# Fault name -> emulator SPEC (None: the cap, set up by seeding). Retry-After values are in seconds.
FAULTS: Dict[str, Optional[str]] = {
    "429+Retry-After": "import:429,count=2,retry-after=1",
    "500": "import:500,count=2",
    "502": "import:502,count=2",
    "503+Retry-After": "import:503,count=2,retry-after=1",
    "504": "import:504,count=2",
    "connection-reset": "import:reset",
    "read-timeout": "import:slow,delay=2.5",
    "expired-token": "api:expire-token",
    "partial-import": "import:partial,fraction=0.5,seed=3",
    "15000-cap": None,
}
RESULTS: List[Dict[str, object]] = []


def values_for(case: str) -> List[str]:
    return [hashlib.sha256(f"{case}-{i}".encode()).hexdigest() for i in range(ITEMS)]


def assert_retry_after_respected(emulator: EmulatorServer, spec: Optional[str]) -> None:
    if not spec or "retry-after=" not in spec:
        return
    wait = float(spec.split("retry-after=")[1].split(",")[0])
    log = [e for e in emulator.requests_log() if e.get("op") == "ImportIndicators"]
    for before, after in zip(log, log[1:]):
        if before["status"] in (429, 503) and after.get("app") == before.get("app"):
            assert after["ts"] - before["ts"] >= wait - 0.01, (before, after)


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_matrix(
    fault: str, path: str, emulator: EmulatorServer, splunk: SplunkHarness, work: Path
) -> None:
    env = emulator.env()
    values = values_for(f"{fault}-{path}")
    spec = FAULTS[fault]
    if spec is None:
        cap = emulator.model.max_active_indicators
        emulator.admin(
            "POST", "seed", {"clientId": env["MDE_CLIENT_ID"], "count": cap - ITEMS // 2}
        )
    else:
        emulator.admin("POST", "faults", {"spec": spec})
    started = time.monotonic()
    statuses = PATHS[path](values, env, work, splunk=splunk)
    elapsed = time.monotonic() - started

    assert set(statuses) == set(values), (
        f"items without a final status: {set(values) - set(statuses)}"
    )
    assert set(statuses.values()) <= FINAL, statuses
    stored = [
        (r["indicatorValue"], r["indicatorType"], r["action"], r["createdBy"])
        for r in emulator.admin("GET", "indicators")["value"]
    ]
    assert [k for k, n in Counter(stored).items() if n > 1] == [], "duplicates in MDE"
    in_mde = {r[0] for r in stored}
    for value, status in statuses.items():
        assert (value in in_mde) == (status in ("submitted", "updated", "accepted", "unchanged")), (
            value,
            status,
        )
    assert_retry_after_respected(emulator, spec)
    assert elapsed < BOUND_SECONDS
    if fault == "15000-cap":
        assert (
            Counter(statuses.values())["failed"] + Counter(statuses.values())["queued"]
            >= ITEMS // 2 - 1
        )
    RESULTS.append(
        {
            "fault": fault,
            "path": path,
            "items": ITEMS,
            "statuses": dict(Counter(statuses.values())),
            "seconds": round(elapsed, 1),
        }
    )


@pytest.fixture(scope="module", autouse=True)
def _report() -> object:
    """Write the matrix's figures for the README's Proof section (build/reliability-faults.json)."""
    yield
    import json

    from mde_indicators_build.paths import BUILD

    BUILD.mkdir(exist_ok=True)
    (BUILD / "reliability-faults.json").write_text(json.dumps(RESULTS, indent=1))
