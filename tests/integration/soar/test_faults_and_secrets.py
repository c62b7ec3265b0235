"""Faults end every item with a final status; the canary secret never reaches output or logs; writes on
one MDE application never interleave."""

from __future__ import annotations

import pytest

from mde_emulator import EmulatorServer
from mde_indicators.results import Status
from mde_testkit.soar.harness import SoarRunner
from tests.conftest import CANARY_SECRET

from .conftest import api_calls

pytestmark = pytest.mark.soar
FINAL = {s.value for s in Status} - {Status.QUEUED.value}
VALUES = [f"{n:064x}" for n in range(1, 601)]


def fault(emulator: EmulatorServer, spec: str) -> None:
    emulator.admin("POST", "faults", {"spec": spec})


def assert_final(run, count: int) -> None:  # type: ignore[no-untyped-def]
    assert len(run.data) == count, run.output[-2000:]
    assert all(r["status"] in FINAL and (r["status"] != "failed" or r["reason"]) for r in run.data)


def test_429_with_retry_after_is_waited_out_and_every_item_lands(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    fault(emulator, "import:429,count=2,retry-after=1")
    run = soar.run("import_indicators", {"indicators": "\n".join(VALUES)})
    assert run.success
    assert_final(run, len(VALUES))
    assert {r["status"] for r in run.data} == {"submitted"}
    statuses = [c["status"] for c in api_calls(emulator, "ImportIndicators")]
    assert statuses.count(429) == 2 and statuses.count(200) == 2


def test_503_beyond_the_retry_budget_fails_every_item_with_the_reason(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    fault(emulator, "import:503,count=inf,retry-after=1")
    run = soar.run(
        "import_indicators", {"indicators": "\n".join(VALUES)}, asset={"max_retry_seconds": 3}
    )
    assert not run.success
    assert_final(run, len(VALUES))
    assert {(r["status"], r["http_status"]) for r in run.data} == {("failed", 503)}


def test_a_reset_connection_fails_the_submit_with_a_reason(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    fault(emulator, "submit:reset,count=inf")
    run = soar.run(
        "submit_indicator", {"indicator_value": "evil.example.com"}, asset={"max_retry_seconds": 3}
    )
    assert not run.success
    assert_final(run, 1)
    assert run.data[0]["reason_code"] == "TransportError"


def test_an_expired_token_is_renewed_and_the_import_completes(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    fault(emulator, "import:expire-token,count=1")
    run = soar.run("import_indicators", {"indicators": "\n".join(VALUES)})
    assert run.success, run.output[-2000:]
    assert {r["status"] for r in run.data} == {"submitted"}
    assert 401 in [c["status"] for c in api_calls(emulator, "ImportIndicators")]


def test_the_canary_secret_appears_in_no_output_log_or_result(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    runs = [
        soar.run("test_connectivity", debug_logs=True),
        soar.run("import_indicators", {"indicators": "1.2.3.4\nbad"}, debug_logs=True),
        soar.run("list_indicators", {}, debug_logs=True),
    ]
    fault(emulator, "token:500,count=inf")
    runs.append(soar.run("submit_indicator", {"indicator_value": "5.6.7.8"}, debug_logs=True))
    assert not runs[-1].success
    for run in runs:
        assert "Starting new HTTPS connection" in run.stderr  # every library logged at DEBUG
        assert CANARY_SECRET not in run.output
        assert CANARY_SECRET not in str(run.results)


def test_two_concurrent_imports_on_one_asset_do_not_interleave(
    soar: SoarRunner, emulator: EmulatorServer
) -> None:
    fault(emulator, "import:slow,count=inf,delay=1")
    first = [f"{n:064x}" for n in range(1, 701)]
    second = [f"{n:064x}" for n in range(1001, 1901)]
    started = [
        soar.start("import_indicators", {"indicators": "\n".join(v)}) for v in (first, second)
    ]
    runs = [s.wait() for s in started]
    assert all(r.success for r in runs), [r.output[-1000:] for r in runs]
    sizes = [
        c["items"] for c in sorted(api_calls(emulator, "ImportIndicators"), key=lambda c: c["ts"])
    ]
    assert sizes in ([500, 200, 500, 400], [500, 400, 500, 200])
