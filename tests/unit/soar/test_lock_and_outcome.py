"""The per-application write lock, the SOAR contains table against the schema, and the action outcome."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from mde_indicators.results import ItemResult, Status
from mde_soar.src import contains, lock, outcome

GOLDEN = Path(__file__).resolve().parents[3] / "packages" / "mde_soar" / "manifest.golden.json"


def test_a_second_writer_waits_then_gives_up_sending_nothing() -> None:
    with lock.write_lock("tenant|app"):
        with pytest.raises(lock.LockTimeout, match="nothing was sent"):
            with lock.write_lock("tenant|app", wait=0.5):
                pass
        with lock.write_lock("tenant|other-app", wait=0.5):
            pass


def test_the_lock_is_free_again_after_the_holder_leaves() -> None:
    released = threading.Event()

    def hold() -> None:
        with lock.write_lock("k"):
            time.sleep(0.5)
        released.set()

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.1)
    with lock.write_lock("k", wait=10) as waited:
        assert released.is_set() and waited >= 0.3
    holder.join()


def test_every_schema_indicator_type_has_soar_contains_types(model: Any) -> None:
    assert set(contains.BY_INDICATOR_TYPE) == set(model.indicator_types)
    assert contains.value_contains(model)[-1] == contains.VALUE_TYPE


def test_counts_name_every_status_and_an_action_fails_only_when_nothing_succeeded() -> None:
    ok = ItemResult(0, "a", Status.SUBMITTED)
    bad = ItemResult(1, "b", Status.INVALID, reason="x")
    assert set(outcome.counts([ok])) == {"total", *(s.value for s in Status)}
    assert (
        outcome.succeeded([ok, bad]) and not outcome.succeeded([bad]) and not outcome.succeeded([])
    )
    assert outcome.message("Import", [ok, bad]) == "Import: 2 items: 1 submitted, 1 invalid."


def test_the_golden_item_rows_are_the_cores_item_results() -> None:
    golden = json.loads(GOLDEN.read_text())
    paths = {o["data_path"] for o in golden["actions"]["import_indicators"]["output"]}
    rows = {p.split(".")[-1] for p in paths if p.startswith("action_result.data.*.")}
    assert rows == {f.name for f in dataclasses.fields(ItemResult)}
    summary = {p.split(".")[-1] for p in paths if p.startswith("action_result.summary.")}
    assert summary == {"total", *(s.value for s in Status)}
