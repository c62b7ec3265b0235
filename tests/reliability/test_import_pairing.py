"""Import results are matched by value, not by position: when MDE's per-item results come back in another
order, each item still gets its own result; when they cannot be told apart, the items are failed with the
reason rather than guessed; and sync never deletes an old indicator whose replacement is not confirmed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from click.testing import CliRunner

from mde_emulator import EmulatorServer, Settings
from mde_indicators.cli import main
from tests.reliability.hostile import Figures, HostileServer, Received, answer

FIGURES = Figures("import-pairing")
_figures = FIGURES.fixture()
CAP = 3


@pytest.fixture(scope="module")
def capped_session() -> Iterator[EmulatorServer]:
    """An emulator whose tenant holds at most CAP active indicators: MDE then refuses items one by one."""
    with EmulatorServer(Settings(limits="off", cap=CAP)) as server:
        yield server


@pytest.fixture()
def capped(capped_session: EmulatorServer) -> EmulatorServer:
    capped_session.admin("POST", "reset")
    return capped_session


def run(args: List[str], env: Dict[str, str]) -> Dict[str, Any]:
    done = CliRunner().invoke(
        main, [*args, "--json"], env={**env, "MDE_INDICATORS_CONFIG": "/x"}, catch_exceptions=False
    )
    output = done.stdout if hasattr(done, "stdout") else done.output
    return dict(json.loads(output[output.index("{") :]))


def stored(emulator: EmulatorServer) -> Dict[str, List[str]]:
    """value -> actions MDE holds for it."""
    found: Dict[str, List[str]] = {}
    for row in emulator.admin("GET", "indicators")["value"]:
        found.setdefault(row["indicatorValue"], []).append(row["action"])
    return found


def test_results_in_another_order_still_reach_their_own_items(
    capped: EmulatorServer, tmp_path: Path
) -> None:
    values = [f"{n:064x}" for n in range(1, CAP + 2)]  # one more than the tenant can hold
    feed = tmp_path / "feed.txt"
    feed.write_text("\n".join(values) + "\n")
    capped.admin("POST", "faults", {"spec": "import:reorder"})
    results = run(["import", str(feed), "--action", "Block"], capped.env())["results"]
    held = stored(capped)
    assert len(held) == CAP
    for result in results:
        in_mde = result["value"] in held
        assert (result["status"] == "submitted") == in_mde, result
    FIGURES.add("import results reversed, one item refused", items=len(values), misattributed=0)


def test_sync_keeps_the_old_indicator_when_its_replacement_is_refused(
    capped: EmulatorServer, tmp_path: Path
) -> None:
    values = [f"{n:064x}" for n in range(10, 12)]
    feed = tmp_path / "feed.txt"
    feed.write_text("\n".join(values) + "\n")
    env = capped.env()
    first = run(["sync", str(feed), "--application", "feed", "--action", "Block"], env)
    assert [r["status"] for r in first["results"]] == ["submitted", "submitted"]
    # Changing the action imports a new indicator per value (MDE keys on value, type and action): the
    # tenant has room for one, so MDE refuses the other; its results come back in reverse order.
    capped.admin("POST", "faults", {"spec": "import:reorder"})
    second = run(["sync", str(feed), "--application", "feed", "--action", "Warn"], env)
    held = stored(capped)
    assert set(held) == set(values), f"a value was left without any indicator: {held}"
    by_value = {r["value"]: r for r in second["results"]}
    for value in values:
        replaced = held[value] == ["Warn"]
        assert replaced == (by_value[value]["status"] == "updated"), (value, held, by_value[value])
    FIGURES.add("sync replacement refused, results reversed", items=2, values_left_unprotected=0)


def test_results_that_cannot_be_told_apart_are_failed_not_guessed(
    emulator_env: Dict[str, str], tmp_path: Path
) -> None:
    def twice(server: HostileServer, request: Received, conn) -> None:  # type: ignore[no-untyped-def]
        items = json.loads(request.body)["Indicators"]
        first = items[0]["indicatorValue"]
        # Two results for the first value (one good, one failed) and none for the second.
        answer(
            conn,
            200,
            {
                "value": [
                    {"id": "7", "indicator": first, "isFailed": False, "failureReason": None},
                    {"id": None, "indicator": first, "isFailed": True, "failureReason": "no"},
                ]
            },
        )

    feed = tmp_path / "feed.txt"
    feed.write_text("d" * 64 + "\n" + "e" * 64 + "\n")
    with HostileServer(twice) as server:
        bundle = tmp_path / "trusted.pem"
        bundle.write_bytes(
            Path(emulator_env["MDE_CA_BUNDLE"]).read_bytes() + server.ca.cert_pem.bytes()
        )
        env = dict(emulator_env, MDE_API_URL=server.url, MDE_CA_BUNDLE=str(bundle))
        results = run(["import", str(feed), "--action", "Block"], env)["results"]
    assert [r["status"] for r in results] == ["failed", "failed"]
    assert [r["reason_code"] for r in results] == ["ambiguous_result", "no_result"]
    FIGURES.add("two results for one value, none for another", items=2, guessed=0)


def test_a_hash_and_a_thumbprint_with_the_same_value_each_get_their_own_result(
    emulator: EmulatorServer, emulator_env: Dict[str, str], tmp_path: Path
) -> None:
    value = "f" * 40
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        json.dumps({"indicatorValue": value, "indicatorType": "FileSha1", "action": "Block"})
        + "\n"
        + json.dumps(
            {"indicatorValue": value, "indicatorType": "CertificateThumbprint", "action": "Allowed"}
        )
        + "\n"
    )
    results = run(["import", str(feed)], emulator_env)["results"]
    assert [r["status"] for r in results] == ["submitted", "submitted"]
    rows = emulator.admin("GET", "indicators")["value"]
    ids = {r["indicatorType"]: r["id"] for r in rows}
    assert {r["indicator_type"]: r["indicator_id"] for r in results} == ids
    calls = [e for e in emulator.requests_log() if e.get("op") == "ImportIndicators"]
    assert len(calls) == 2  # never two results naming the same value in one answer
    FIGURES.add("one value as two types", items=2, misattributed=0)
