"""Both alert actions as Splunk ES adaptive responses: ad hoc on notables and from correlation searches.

splunkd runs the built app's scripts (mde_testkit.splunk.splunkd) on 3.9 and 3.13 against the emulator;
what ES makes of the run comes from mde_testkit.splunk.es: which actions Incident Review offers, the
sendalert of an analyst's ad hoc run, the cim_modactions events and a notable's Adaptive Responses panel.
"""

from __future__ import annotations

import re
import socket
import uuid
from typing import Dict, Iterator, List

import pytest

from mde_testkit.splunk.es import CamEvent, EnterpriseSecurity, Notable, index_logs, notables
from mde_testkit.splunk.harness import SplunkHarness, account_settings
from tests.conftest import make_client

SUBMIT, REMOVE = "mde_submit_indicator", "mde_remove_indicator"
APPLICATION = "TA-mde-indicators"
# What marks the app's own indicators (default/mde_indicators.conf [settings] owner_tag).
OURS = "#MDEIndicatorsSplunk"
EMPTY_FILE = (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # built-in protected
)
RULE = "Threat - Known bad file hash - Rule"


def sha(i: int) -> str:
    return f"{i:064x}"


def search_id() -> str:
    """A correlation search's scheduled sid, unique per test (the harness's logs outlive a test)."""
    return f"scheduler__admin__SplunkEnterpriseSecuritySuite__RMD5{uuid.uuid4().hex[:16]}_at_1_1"


def events(harness: SplunkHarness) -> List[CamEvent]:
    return index_logs(harness.home / "var" / "log" / "splunk")


def outcomes(
    harness: SplunkHarness, es: EnterpriseSecurity, notable: Notable, action: str, sid: str
):
    """(value, app status, ES status) of one invocation's per-indicator events on a notable."""
    mine = [
        e
        for e in es.invocations(events(harness), notable)
        if e.get("action_name") == action and e.get("sid") == sid and e.get("mde_value")
    ]
    return [(e.get("mde_value"), e.get("mde_status"), e.get("action_status")) for e in mine]


def stored(emulator) -> Dict[str, str]:
    """Each stored indicator's owner: OURS when its description ends with the app's tag, else its
    application (the app itself sets none: MDE would show it to end users in block notifications)."""
    return {
        r["indicatorValue"]: OURS
        if str(r.get("description") or "").endswith(f" {OURS}") and not r.get("application")
        else r.get("application")
        for r in emulator.admin("GET", "indicators")["value"]
    }


@pytest.fixture()
def es(harness: SplunkHarness, canary_env: Dict[str, str]) -> Iterator[EnterpriseSecurity]:
    """ES over the installed app, and a default account of these tests' own: the client's budget of
    30 imports a minute is per account, and the other tests of the session use theirs."""
    harness.add_account(
        "es", account_settings(canary_env), {"client_secret": canary_env["MDE_CLIENT_SECRET"]}
    )
    settings = harness.splunkd.confs["mde_indicators"]["settings"]
    before = settings["default_account"]
    settings["default_account"] = "es"
    yield EnterpriseSecurity(harness.app_dir)
    settings["default_account"] = before
    harness.remove_account("es")


def test_incident_review_offers_both_actions_with_the_notables_fields_for_the_indicator(
    es: EnterpriseSecurity,
) -> None:
    assert set(es.adhoc_actions()) == {SUBMIT, REMOVE}
    for action in (SUBMIT, REMOVE):
        cam = es.cam(action)
        assert cam["field_name_params"] == ["param.indicator_field"]
        assert cam["technology"] == [{"vendor": "Microsoft", "product": "Defender for Endpoint"}]
        assert cam["drilldown_uri"].startswith(
            f"../{APPLICATION}/mde_indicators_overview?form.sid=$sid$"
        )
    assert es.cam(SUBMIT)["required_params"] == ["param.indicator_field", "param.action"]
    notable = notables(search_id(), [{"file_hash": sha(1)}], RULE)[0]
    with pytest.raises(ValueError, match="not a field of the notable"):
        es.adhoc(SUBMIT, [notable], {"indicator_field": "sha256", "action": "Block"}, "analyst")
    with pytest.raises(ValueError, match="Invalid parameter"):
        es.adhoc(REMOVE, [notable], {"indicator_field": "file_hash", "action": "Block"}, "analyst")


def test_ad_hoc_block_then_unblock_on_a_notable_records_every_outcome_on_it(
    harness: SplunkHarness, es: EnterpriseSecurity, emulator
) -> None:
    hashes = [sha(7), EMPTY_FILE, "not-a-hash"]
    notable = notables(search_id(), [{"file_hash": hashes, "dest": "wks-7"}], RULE)[0]
    run = es.adhoc(
        SUBMIT, [notable], {"indicator_field": "file_hash", "action": "Block"}, "analyst"
    )
    done = harness.alert(**run)
    assert done.returncode == 1, done.stderr  # one invalid value
    assert outcomes(harness, es, notable, SUBMIT, run["sid"]) == [
        (sha(7), "submitted", "success"),
        (EMPTY_FILE, "protected", "failure"),
        ("not-a-hash", "invalid", "failure"),
    ]
    assert stored(emulator) == {sha(7): OURS}
    panel = es.panel(events(harness), notable)[SUBMIT]
    assert panel["status"] == "failure" and panel["action_mode"] == "adhoc"
    assert panel["signature"] == "3 indicators: 1 invalid, 1 protected, 1 submitted"
    mine = [e for e in events(harness) if e.get("sid") == run["sid"]]
    assert {(e.get("orig_sid"), e.get("orig_rid")) for e in mine} == {(notable.orig_sid, "0")}
    assert all(
        e.get("app") == "SplunkEnterpriseSecuritySuite" and e.get("user") == "analyst" for e in mine
    )
    protected = next(e for e in mine if e.get("mde_status") == "protected")
    assert protected.get("signature").startswith(f"protected: SHA-256 file hash {EMPTY_FILE}: ")
    audit = [
        line
        for line in harness.logs().splitlines()
        if 'operation="import"' in line and f'sid="{run["sid"]}"' in line
    ]
    assert len(audit) == 3 and all(f'orig_sid="{notable.orig_sid}"' in line for line in audit)

    unblock = es.adhoc(REMOVE, [notable], {"indicator_field": "file_hash"}, "analyst")
    removed = harness.alert(**unblock)
    assert removed.returncode == 1, removed.stderr  # the invalid value again
    assert outcomes(harness, es, notable, REMOVE, unblock["sid"]) == [
        (sha(7), "deleted", "success"),
        (EMPTY_FILE, "not_found", "failure"),
        ("not-a-hash", "invalid", "failure"),
    ]
    assert stored(emulator) == {}
    again = es.adhoc(REMOVE, [notable], {"indicator_field": "file_hash"}, "analyst")
    harness.alert(**again)
    assert outcomes(harness, es, notable, REMOVE, again["sid"])[0] == (
        sha(7),
        "not_found",
        "failure",
    )
    deletes = [
        line
        for line in harness.logs().splitlines()
        if 'operation="delete"' in line and f'sid="{unblock["sid"]}"' in line
    ]
    assert len(deletes) == 3


def test_a_correlation_search_blocks_and_another_unblocks_each_notable_s_hash(
    harness: SplunkHarness, es: EnterpriseSecurity, emulator
) -> None:
    rows = [{"file_hash": sha(21), "dest": "a"}, {"file_hash": sha(22), "dest": "b"}]
    sid = search_id()
    done = harness.alert(
        {"indicator_field": "file_hash", "action": "BlockAndRemediate"},
        rows,
        search_name=RULE,
        sid=sid,
    )
    assert done.returncode == 0, done.stderr
    for notable, value in zip(notables(sid, rows, RULE), (sha(21), sha(22))):
        panel = es.panel(events(harness), notable)[SUBMIT]
        assert panel["status"] == "success" and panel["action_mode"] == "saved"
        assert outcomes(harness, es, notable, SUBMIT, sid) == [(value, "submitted", "success")]
    assert stored(emulator) == {sha(21): OURS, sha(22): OURS}

    cleared = search_id()
    removed = harness.alert(
        {"indicator_field": "file_hash"},
        rows[:1],
        action=REMOVE,
        search_name="Cleared",
        sid=cleared,
    )
    assert removed.returncode == 0, removed.stderr
    (notable,) = notables(cleared, rows[:1], "Cleared")
    assert es.panel(events(harness), notable)[REMOVE]["status"] == "success"
    assert stored(emulator) == {sha(22): OURS}


def test_remove_leaves_other_applications_indicators_alone_unless_the_admin_allows_it(
    harness: SplunkHarness, es: EnterpriseSecurity, emulator, canary_env: Dict[str, str]
) -> None:
    # Another tool (a SOC portal) blocked the hash through the API; the app never touched it.
    make_client(canary_env).submit(
        {"indicatorValue": sha(31), "indicatorType": "FileSha256", "action": "Block",
         "application": "SOC-Portal", "title": "portal", "description": "blocked by the SOC portal"}
    )  # fmt: skip
    assert stored(emulator) == {sha(31): "SOC-Portal"}
    notable = notables(search_id(), [{"file_hash": sha(31)}], RULE)[0]
    run = es.adhoc(REMOVE, [notable], {"indicator_field": "file_hash"}, "analyst")
    assert harness.alert(**run).returncode == 0
    assert outcomes(harness, es, notable, REMOVE, run["sid"]) == [(sha(31), "skipped", "failure")]
    event = next(e for e in es.invocations(events(harness), notable) if e.get("mde_status"))
    assert "'SOC-Portal'" in event.get("signature") and f"'{OURS}'" in event.get("signature")
    assert stored(emulator) == {sha(31): "SOC-Portal"}

    settings = harness.splunkd.confs["mde_indicators"]["settings"]
    settings["remove_any_application"] = "true"
    try:
        anyway = es.adhoc(REMOVE, [notable], {"indicator_field": "file_hash"}, "analyst")
        harness.alert(**anyway)
    finally:
        settings.pop("remove_any_application")
    assert outcomes(harness, es, notable, REMOVE, anyway["sid"]) == [
        (sha(31), "deleted", "success")
    ]
    assert stored(emulator) == {}


@pytest.fixture()
def flaky(harness: SplunkHarness, canary_env: Dict[str, str]) -> Iterator[str]:
    settings = {**account_settings(canary_env), "max_attempts": "2", "max_retry_seconds": "2"}
    harness.add_account("flaky", settings, {"client_secret": canary_env["MDE_CLIENT_SECRET"]})
    harness.splunkd.confs["mde_indicators"]["outbox"] = {"base_delay": "0"}
    yield "flaky"
    harness.splunkd.confs["mde_indicators"].pop("outbox", None)
    harness.remove_account("flaky")


def test_an_ad_hoc_block_mde_cannot_take_now_is_queued_and_shown_pending(
    harness: SplunkHarness, es: EnterpriseSecurity, emulator, flaky: str
) -> None:
    emulator.admin("POST", "faults", {"spec": "import:503,count=inf,retry-after=0"})
    notable = notables(search_id(), [{"file_hash": sha(41)}], RULE)[0]
    params = {"indicator_field": "file_hash", "action": "Block", "account": flaky}
    run = es.adhoc(SUBMIT, [notable], params, "analyst")
    done = harness.alert(**run)
    assert done.returncode == 0, done.stderr
    assert outcomes(harness, es, notable, SUBMIT, run["sid"]) == [(sha(41), "queued", "pending")]
    assert es.panel(events(harness), notable)[SUBMIT]["status"] == "pending"
    (entry,) = harness.splunkd.kvstore.docs("mde_indicators_outbox")
    assert entry["value"] == sha(41) and entry["sid"] == run["sid"]
    emulator.admin("DELETE", "faults")
    assert harness.run("mderetry").rows[0]["mde_status"] == "submitted"
    assert stored(emulator) == {sha(41): OURS}


def test_a_refused_run_says_why_on_every_notable(
    harness: SplunkHarness, es: EnterpriseSecurity, emulator
) -> None:
    picked = notables(search_id(), [{"file_hash": sha(51)}, {"file_hash": sha(52)}], RULE)
    run = es.adhoc(REMOVE, picked, {"indicator_field": "file_hash"}, "reader")
    done = harness.alert(**run)
    assert done.returncode == 3 and "mde_indicators_write" in done.stderr
    for notable in picked:
        panel = es.panel(events(harness), notable)[REMOVE]
        assert panel["status"] == "failure" and "mde_indicators_write" in panel["signature"]
    bad = es.adhoc(
        REMOVE, picked[:1], {"indicator_field": "file_hash", "indicator_type": "Hash"}, "analyst"
    )
    refused = harness.alert(**bad)
    assert refused.returncode == 2
    assert re.search(
        r"indicator_type=Hash is not valid",
        es.panel(events(harness), picked[0])[REMOVE]["signature"],
    )
    assert not harness.splunkd.paths("/mde_indicators/indicators/delete")


def test_a_run_that_cannot_reach_splunkd_still_says_so_on_the_notable(
    harness: SplunkHarness, es: EnterpriseSecurity, emulator
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        gone = f"https://127.0.0.1:{sock.getsockname()[1]}"
    (notable,) = notables(search_id(), [{"file_hash": sha(61)}], RULE)
    run = es.adhoc(
        SUBMIT, [notable], {"indicator_field": "file_hash", "action": "Block"}, "analyst"
    )
    done = harness.alert(**run, server_uri=gone)
    assert done.returncode == 5, done.stderr
    panel = es.panel(events(harness), notable)[SUBMIT]
    assert panel["status"] == "failure" and panel["signature"].startswith("Cannot reach splunkd")
