"""Every fault the emulator injects x every write path: transient faults are recovered from (every item ends
as it would without the fault), permanent ones fail exactly the items they hit, with nothing lost, no
duplicates in MDE, no request before Retry-After has passed, and the run ending in bounded time."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from mde_emulator import EmulatorServer
from tests.reliability.paths import PATHS

ITEMS = 6
BOUND_SECONDS = 90
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
# What a path reports for an indicator MDE accepted.
ACCEPTED = {
    "cli-import": "submitted",
    "sync": "submitted",
    "mdesubmit": "submitted",
    "alert-action": "submitted",
    "playbook": "accepted",
}
SPLUNK_PATHS = ("mdesubmit", "alert-action")
HALF = ITEMS // 2


def expected(fault: str, path: str) -> Dict[str, int]:
    """Final statuses by count: recovery from every transient fault, `failed` only where it is permanent."""
    ok = ACCEPTED[path]
    if fault == "expired-token" and path == "playbook":
        # Logic Apps' retry policies resend on 408, 429 and 5xx only, never on a 401 (Microsoft Learn,
        # "Handle errors and exceptions in Azure Logic Apps"): the run reports each item as failed.
        return {"failed": ITEMS}
    if fault == "partial-import":
        return {
            ok: HALF,
            "failed": HALF,
        }  # MDE refused these items: retrying resends the same refusal
    if fault == "15000-cap":
        # Room for HALF more: an import fills it and fails the rest per item; a sync plans ahead and
        # refuses to pass the cap at all (it never leaves a feed half applied).
        return {"failed": ITEMS} if path == "sync" else {ok: HALF, "failed": HALF}
    return {ok: ITEMS}  # 429, 5xx twice, a reset, a read timeout, an expired token: all transient


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
    fault: str, path: str, emulator: EmulatorServer, work: Path, request: pytest.FixtureRequest
) -> None:
    # Only the Splunk paths need Splunk's interpreters; the others run without them.
    splunk = request.getfixturevalue("splunk") if path in SPLUNK_PATHS else None
    env = emulator.env()
    values = values_for(f"{fault}-{path}")
    spec = FAULTS[fault]
    if spec is None:
        cap = emulator.model.max_active_indicators
        emulator.admin("POST", "seed", {"clientId": env["MDE_CLIENT_ID"], "count": cap - HALF})
    else:
        emulator.admin("POST", "faults", {"spec": spec})
    started = time.monotonic()
    statuses = PATHS[path](values, env, work, splunk=splunk)
    elapsed = time.monotonic() - started

    assert set(statuses) == set(values), (
        f"items without a final status: {set(values) - set(statuses)}"
    )
    assert dict(Counter(statuses.values())) == expected(fault, path), statuses
    stored = [
        (r["indicatorValue"], r["indicatorType"], r["action"], r["createdBy"])
        for r in emulator.admin("GET", "indicators")["value"]
    ]
    assert [k for k, n in Counter(stored).items() if n > 1] == [], "duplicates in MDE"
    in_mde = {r[0] for r in stored}
    for value, status in statuses.items():
        assert (value in in_mde) == (status == ACCEPTED[path]), (value, status)
    assert_retry_after_respected(emulator, spec)
    assert elapsed < BOUND_SECONDS
