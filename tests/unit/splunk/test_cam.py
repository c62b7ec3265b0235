"""The common action model lines the alert actions write for Splunk ES (mde_splunk/cam.py)."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Iterator

import pytest

from mde_indicators.results import ItemResult, Status
from mde_splunk import cam, logs, spec
from mde_testkit.splunk.es import index_logs, parse_line


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "var" / "log" / "splunk"
    path.mkdir(parents=True)
    monkeypatch.setenv("SPLUNK_HOME", str(tmp_path))
    yield path
    for name in [
        n for n in logging.Logger.manager.loggerDict if n.startswith(f"{logs.PREFIX}.cam.")
    ]:
        log = logging.getLogger(name)  # each test writes to its own folder
        for handler in [h for h in log.handlers if getattr(h, cam.CAM_FILE, False)]:
            log.removeHandler(handler)
            handler.close()


def payload(**extra: object) -> dict:
    return {
        "sid": "scheduler__admin__SplunkEnterpriseSecuritySuite__RMD5abc_at_1_1",
        "search_name": "Threat - X - Rule",
        "app": "SplunkEnterpriseSecuritySuite",
        "owner": "admin",
        **extra,
    }


def test_lines_follow_cim_actions_field_order_with_empty_fields_left_out(folder: Path) -> None:
    recorder = cam.Recorder("mde_test_action", payload())
    line = recorder.message(cam.ResultIds("3"), "Done", cam.SUCCESS, zeta="z", alpha="a", sid="x")
    assert line == (
        'sendmodaction - signature="Done" action_name="mde_test_action" search_name="Threat - X - Rule" '
        'sid="scheduler__admin__SplunkEnterpriseSecuritySuite__RMD5abc_at_1_1" rid="3" '
        'app="SplunkEnterpriseSecuritySuite" user="admin" digest_mode="1" action_mode="saved" '
        'action_status="success" alpha="a" zeta="z"'
    )
    written = (folder / "mde_test_action_modalert.log").read_text()
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\+0000 INFO sendmodaction - ", written)


def test_an_ad_hoc_run_on_a_notable_carries_the_notable_s_ids(folder: Path) -> None:
    recorder = cam.Recorder("mde_test_action", payload(sid="1700000000.12", search_name=""))
    ids = recorder.ids(0, {"orig_sid": "scheduler__x_at_1_1", "orig_rid": "4", "file_hash": "h"})
    assert ids == cam.ResultIds("0", "scheduler__x_at_1_1", "4")
    assert recorder.action_mode == "adhoc"
    recorder.invoke(ids)
    (event,) = index_logs(folder)
    assert (event.get("orig_sid"), event.get("orig_rid"), event.get("rid")) == (
        "scheduler__x_at_1_1",
        "4",
        "0",
    )
    assert event.get("search_name") == "" and event.get("action_status") == ""


def test_real_time_snapshots_and_per_result_alerts_set_the_rid_as_cim_actions_does(
    folder: Path,
) -> None:
    rt = cam.Recorder(
        "mde_test_action", payload(sid="rt_scheduler__admin__search__RMD5x_at_1_2.42")
    )
    assert rt.sid == "rt_scheduler__admin__search__RMD5x_at_1_2"
    assert rt.ids(3, {}).rid == "3.42" and rt.ids(0, {"rid": "9"}).rid == "9.42"
    per_result = cam.Recorder("mde_test_action", payload(result_id=7))
    assert per_result.digest_mode == 0 and per_result.ids(0, {"rid": "1"}).rid == "7"


def test_each_indicator_gets_its_status_for_es_and_the_app_s_own_fields(folder: Path) -> None:
    recorder = cam.Recorder("mde_test_action", payload())
    ids = recorder.ids(0, {})
    labels = {"FileSha256": "SHA-256 file hash"}
    value = "a" * 64
    results = [
        ItemResult(0, value, Status.SUBMITTED, "FileSha256", "Block", "12"),
        ItemResult(0, value, Status.QUEUED, "FileSha256", "Block", reason="Queued for retry"),
        ItemResult(0, value, Status.PROTECTED, "FileSha256", "Block", reason="protected"),
        ItemResult(0, "x", Status.FAILED, reason="boom", http_status=500, request_id="r-1"),
    ]
    for result in results:
        recorder.outcome(ids, result, labels)
    assert recorder.summary(ids, results) == cam.FAILURE
    events = index_logs(folder)
    assert [e.get("action_status") for e in events] == [
        "success",
        "pending",
        "failure",
        "failure",
        "failure",
    ]
    assert (
        events[0].get("signature")
        == f"submitted: SHA-256 file hash {value} as Block (indicator 12)"
    )
    assert events[3].get("signature") == "failed: indicator x: HTTP 500: boom (request id r-1)"
    assert (
        events[4].get("signature") == "4 indicators: 1 failed, 1 protected, 1 queued, 1 submitted"
    )
    own = {k for e in events for k in e.fields if k.startswith("mde_")}
    assert own <= set(spec.STATUS_FIELDS)
    assert cam.Recorder("mde_test_action", payload()).summary(ids, results[:2]) == cam.PENDING


def test_quotes_line_breaks_and_secrets_cannot_break_or_leak_into_a_line(folder: Path) -> None:
    logs.register_secret("canary-cam-secret-1")
    recorder = cam.Recorder("mde_test_action", payload())
    recorder.message(cam.ResultIds("0"), 'a "quoted"\nvalue \\ canary-cam-secret-1', cam.FAILURE)
    text = (folder / "mde_test_action_modalert.log").read_text()
    assert "canary-cam-secret-1" not in text and text.count("\n") == 1
    event = parse_line(text)
    assert event is not None
    assert event.get("signature") == "a 'quoted' value \\ ********"
