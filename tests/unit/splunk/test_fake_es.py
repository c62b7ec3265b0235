"""The model of Splunk ES (mde_testkit.splunk.es): each modelled behaviour, pinned on its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mde_testkit.splunk.es import EnterpriseSecurity, index_logs, notables, parse_line

# A line as cim_actions.py's message() writes it for an invocation (DEFAULT_MSGFIELDS in order, empty
# ones pruned, ModularActionFormatter's time); the action is Palo Alto's pantag.
CIM_LINE = (
    '2016-06-21 17:00:00,123+0000 INFO sendmodaction - worker="sh1" signature="Invoking modular action" '
    'action_name="pantag" search_name="Threat - Bad IP - Rule" '
    'sid="scheduler__admin__SplunkEnterpriseSecuritySuite__RMD5d1_at_1466528400_12" rid="0" '
    'app="SplunkEnterpriseSecuritySuite" user="admin" digest_mode="1" action_mode="saved"'
)
CAM = {
    "category": ["Information Conveyance"],
    "task": ["block"],
    "subject": ["network.firewall"],
    "technology": [{"vendor": "Palo Alto Networks", "product": "Firewall"}],
    "supports_adhoc": True,
    "field_name_params": ["param.ip_field"],
    "required_params": ["param.ip_field"],
}


def test_a_cim_actions_line_becomes_a_cim_modactions_event_of_its_action() -> None:
    event = parse_line(CIM_LINE, "pantag_modalert.log")
    assert event is not None
    assert (event.index, event.sourcetype) == ("cim_modactions", "modular_alerts:pantag")
    assert event.get("worker") == "sh1" and event.get("action_mode") == "saved"
    assert event.get("orig_sid") == ""  # pruned when empty, so absent
    assert parse_line("2016-06-21 17:00:00,123+0000 INFO plain log line") is None
    with pytest.raises(ValueError):
        parse_line(CIM_LINE.replace('rid="0"', 'rid="0" broken'))
    with pytest.raises(ValueError):
        parse_line(CIM_LINE.replace("+0000", ""))


def test_only_modalert_log_files_reach_cim_modactions(tmp_path: Path) -> None:
    (tmp_path / "pantag_modalert.log").write_text(CIM_LINE + "\n")
    (tmp_path / "pantag_modalert.log.1").write_text(CIM_LINE + "\n")
    (tmp_path / "pantag.log").write_text(CIM_LINE + "\n")
    assert [e.source for e in index_logs(tmp_path)] == [
        "pantag_modalert.log",
        "pantag_modalert.log.1",
    ]
    (tmp_path / "other_modalert.log").write_text(CIM_LINE + "\n")
    with pytest.raises(ValueError, match="holds a line of 'pantag'"):
        index_logs(tmp_path)


def line(second: int, status: str, **ids: str) -> str:
    pairs = " ".join(f'{k}="{v}"' for k, v in ids.items())
    return (
        f'2016-06-21 17:00:{second:02d},000+0000 INFO sendmodaction - signature="{status}" '
        f'action_name="pantag" {pairs} action_status="{status}"'
    )


def test_the_panel_shows_a_notable_s_own_invocations_with_the_last_status(tmp_path: Path) -> None:
    search = "scheduler__admin__ES__RMD5a_at_1_1"
    first, second = notables(search, [{"ip": "1.2.3.4"}, {"ip": "5.6.7.8"}], "Rule")
    lines = [
        line(1, "failure", sid=search, rid="0"),  # the correlation search's own run, saved mode
        line(2, "success", sid="1466.7", rid="0", orig_sid=search, orig_rid="0"),  # ad hoc, later
        line(3, "pending", sid="1466.8", rid="0", orig_sid=search, orig_rid="1"),  # other notable
    ]
    (tmp_path / "pantag_modalert.log").write_text("\n".join(lines) + "\n")
    es = EnterpriseSecurity(tmp_path)
    events = index_logs(tmp_path)
    assert len(es.invocations(events, first)) == 2
    assert es.panel(events, first)["pantag"]["status"] == "success"
    assert es.panel(events, second)["pantag"]["status"] == "pending"
    (tmp_path / "pantag_modalert.log").write_text(line(4, "done", sid=search, rid="0") + "\n")
    with pytest.raises(ValueError, match="unknown action_status"):
        es.panel(index_logs(tmp_path), first)


def app(tmp_path: Path, cam: dict, params: str = "param.ip_field = <string>") -> Path:
    (tmp_path / "default").mkdir()
    (tmp_path / "README").mkdir()
    (tmp_path / "default" / "alert_actions.conf").write_text(
        f"[pantag]\nis_custom = 1\nparam._cam = {json.dumps(cam)}\n\n[plain]\nis_custom = 1\n"
    )
    (tmp_path / "README" / "alert_actions.conf.spec").write_text(f"[pantag]\n{params}\n")
    return tmp_path


def test_incident_review_offers_only_adhoc_actions_and_checks_what_the_analyst_gives(
    tmp_path: Path,
) -> None:
    es = EnterpriseSecurity(app(tmp_path, CAM))
    assert es.adhoc_actions() == ["pantag"]  # supports_adhoc defaults to false
    (notable,) = notables("scheduler__a_at_1_1", [{"ip": "1.2.3.4"}], "Rule")
    run = es.adhoc("pantag", [notable], {"ip_field": "ip"}, "analyst")
    assert run["search_name"] == "" and "scheduler" not in run["sid"]
    assert run["rows"][0]["orig_sid"] == "scheduler__a_at_1_1" and "rid" not in run["rows"][0]
    with pytest.raises(ValueError, match="not offered"):
        es.adhoc("plain", [notable], {}, "analyst")
    with pytest.raises(ValueError, match="Invalid parameter"):
        es.adhoc("pantag", [notable], {"ip_field": "ip", "tag": "x"}, "analyst")
    with pytest.raises(ValueError, match="not a field of the notable"):
        es.adhoc("pantag", [notable], {"ip_field": "src_ip"}, "analyst")
    with pytest.raises(ValueError, match="is required"):
        es.adhoc("pantag", [notable], {}, "analyst")


def test_a_cam_without_its_required_classification_is_refused(tmp_path: Path) -> None:
    broken = {**CAM, "technology": [{"vendor": "Palo Alto Networks"}]}
    with pytest.raises(ValueError, match="vendor and a product"):
        EnterpriseSecurity(app(tmp_path, broken)).adhoc_actions()
    (tmp_path / "default" / "alert_actions.conf").write_text(
        f"[pantag]\nis_custom = 1\nparam._cam = {json.dumps({**CAM, 'subject': []})}\n"
    )
    with pytest.raises(ValueError, match="lacks"):
        EnterpriseSecurity(tmp_path).adhoc_actions()
