"""The audit log cannot be forged: a value from a search result that holds a line break of any kind (CR, LF,
CRLF, NEL, U+2028/U+2029, vertical tab, form feed) still makes exactly one audit event per result, and the
value reads back exactly as it came in."""

from __future__ import annotations

import re
from typing import Dict, List

from mde_testkit.splunk.harness import SplunkHarness
from tests.reliability.hostile import Figures

FIGURES = Figures("audit-forgery")
_figures = FIGURES.fixture()
FORGED = 'x" status="submitted" value="evil.example'
BREAKS = ["\r", "\n", "\r\n", "\x85", "\u2028", "\u2029", "\x0b", "\x0c", "\x1e"]
# splunkd's line breaker for the sourcetype (props.conf: LINE_BREAKER = ([\r\n]+)), and Python's
# idea of a line end as a stricter check: no event may be split by either.
SPLUNK_LINES = re.compile(r"[\r\n]+")
_FIELD = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def unescape(text: str) -> str:
    return re.sub(
        r"\\(x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8}|.)",
        lambda m: (
            chr(int(m.group(1)[1:], 16))
            if m.group(1)[0] in "xuU" and len(m.group(1)) > 1
            else {"n": "\n", "r": "\r", "t": "\t"}.get(m.group(1), m.group(1))
        ),
        text,
    )


def audit_events(splunk: SplunkHarness) -> List[str]:
    path = splunk.home / "var" / "log" / "splunk" / "ta_mde_indicators_audit.log"
    text = path.read_bytes().decode("utf-8")
    events = [e for e in SPLUNK_LINES.split(text) if e]
    assert events == [e for e in text.splitlines() if e], "a line break splunkd ignores got through"
    return events


def test_every_line_break_stays_inside_its_event(splunk: SplunkHarness) -> None:
    log = splunk.home / "var" / "log" / "splunk" / "ta_mde_indicators_audit.log"
    before = len(audit_events(splunk)) if log.exists() else 0
    hostile = [f"evil{n}.example{b}{FORGED}" for n, b in enumerate(BREAKS)]
    run = splunk.run(
        "mdesubmit field=v action=Block account=reliability", [{"v": v} for v in hostile]
    )
    assert [r["mde_status"] for r in run.rows] == ["invalid"] * len(hostile)
    events = audit_events(splunk)[before:]
    assert len(events) == len(hostile), events
    read_back: Dict[str, str] = {}
    for event in events:
        fields = dict(_FIELD.findall(event))
        assert fields["status"] == "invalid", event
        read_back[unescape(fields["value"])] = fields["status"]
    assert set(read_back) == set(hostile)
    FIGURES.add(
        "line breaks in submitted values",
        attacks=len(hostile),
        events=len(events),
        forged_events=len(events) - len(hostile),
    )
