"""Malformed responses lose no row: a 200 with an HTML page, a JSON answer of another shape, or an answer cut
off mid-body, in the middle of a 1,200-item import, ends with 1,200 results, each with its status and a
reason; the batches already settled keep their results. In Splunk the alert action queues what the bad
answer left unsettled, and mderetry delivers it later."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

import pytest
from click.testing import CliRunner

from mde_emulator import EmulatorServer
from mde_indicators.cli import main
from mde_testkit.splunk.harness import SplunkHarness
from tests.reliability.hostile import Figures

FIGURES = Figures("malformed-responses")
_figures = FIGURES.fixture()
ITEMS = 1200
RETRYING = {"MDE_MAX_ATTEMPTS": "2", "MDE_MAX_RETRY_SECONDS": "20"}


def values(case: str, count: int = ITEMS) -> List[str]:
    return [f"{case}-{n}".encode().hex().ljust(64, "0")[:64] for n in range(count)]


def cli(args: List[str], env: Dict[str, str]) -> Any:
    full = {**env, **RETRYING, "MDE_INDICATORS_CONFIG": "/nonexistent"}
    return CliRunner().invoke(main, args, env=full, catch_exceptions=False)


def import_all(
    emulator: EmulatorServer, spec: str, tmp: Path, case: str, exit_code: int = 1
) -> List[Dict[str, Any]]:
    feed = tmp / "feed.txt"
    feed.write_text("\n".join(values(case)) + "\n")
    emulator.admin("POST", "faults", {"spec": spec})
    done = cli(["import", str(feed), "--action", "Block", "--json"], emulator.env())
    output = done.stdout if hasattr(done, "stdout") else done.output
    assert done.exit_code == exit_code, output[-2000:]
    return list(json.loads(output[output.index("{") :])["results"])


# fault -> what the batches after the first end as (the first batch of 500 is always let through)
CASES = {
    "html": ("import:html,after=1", {"submitted": 700, "failed": 500}),
    "garbled": ("import:garbled,after=1", {"submitted": 700, "failed": 500}),
    # Cut off on every attempt from the second call on: the run stops as for a network outage.
    "truncated": ("import:truncate,after=1,count=inf", {"submitted": 500, "failed": 700}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_answer_mid_import_loses_no_row(
    case: str, emulator: EmulatorServer, tmp_path: Path
) -> None:
    spec, expected = CASES[case]
    results = import_all(emulator, spec, tmp_path, case)
    assert len(results) == ITEMS and [r["index"] for r in results] == list(range(ITEMS))
    assert Counter(r["status"] for r in results) == expected
    assert all(r["reason"] for r in results if r["status"] == "failed")
    in_mde = {r["indicatorValue"] for r in emulator.admin("GET", "indicators")["value"]}
    assert all(r["value"] in in_mde for r in results if r["status"] == "submitted")
    assert all(r["value"] in in_mde for r in results[:500]), "the first batch's results were lost"
    FIGURES.add(
        f"{case} answer mid-import",
        items=ITEMS,
        results=len(results),
        faults_survived=1,
        rows_lost=ITEMS - len(results),
    )


def test_an_answer_cut_off_once_is_sent_again(emulator: EmulatorServer, tmp_path: Path) -> None:
    results = import_all(emulator, "import:truncate,after=1", tmp_path, "cut-once", 0)
    assert Counter(r["status"] for r in results) == {"submitted": ITEMS}
    FIGURES.add("answer cut off once", items=ITEMS, results=len(results), rows_lost=0)


def test_listing_through_a_proxy_page_is_a_clear_error(
    emulator: EmulatorServer, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "faults", {"spec": "list:html"})
    done = cli(["list"], emulator_env)
    output = (done.stdout if hasattr(done, "stdout") else done.output) + (
        done.stderr if hasattr(done, "stderr") else ""
    )
    assert done.exit_code == 1 and "could not be read" in output and "text/html" in output
    FIGURES.add("HTML page instead of a list", faults_survived=1)


def test_the_alert_action_queues_what_a_bad_answer_left_unsettled(
    splunk: SplunkHarness, emulator: EmulatorServer
) -> None:
    sent = values("alert", 6)
    emulator.admin("POST", "faults", {"spec": "import:html"})
    config = {"indicator_field": "indicator", "action": "Block", "account": "reliability"}
    done = splunk.alert(config, [{"indicator": v} for v in sent])
    assert done.returncode == 0, done.stderr
    outbox = splunk.splunkd.kvstore.docs("mde_indicators_outbox")
    assert sorted(e["value"] for e in outbox) == sorted(sent)
    assert all("could not be read" in e["last_error"] for e in outbox)
    retried = splunk.run("mderetry", [])
    assert Counter(r["mde_status"] for r in retried.rows) == {"submitted": len(sent)}
    in_mde = {r["indicatorValue"] for r in emulator.admin("GET", "indicators")["value"]}
    assert set(sent) <= in_mde
    FIGURES.add("alert action: HTML page instead of the import answer", rows=6, rows_lost=0)
