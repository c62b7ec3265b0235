"""A model of what Splunk Enterprise Security does with an app's adaptive response actions.

Built from these sources (each behaviour below names its own):
- [SPEC] Splunk_SA_CIM README/alert_actions.conf.spec, Appendix A "Common Action Model Specification":
  param._cam is JSON; category, task, subject and technology (each entry with vendor and product) are
  required; supports_adhoc defaults to false; field_name_params, required_params, drilldown_uri.
- [CIM] CIM manual, "Use the common action model to build custom alert actions" (help.splunk.com, 8.5):
  supports_adhoc makes an action available ad hoc from Incident Review's Actions menu; Incident Review
  renders field_name_params as a dropdown of the field names present in the notable and marks
  required_params with `*`; message() of cim_actions.py creates the Modular_Actions introspection events.
- [LIB] cim_actions.py (splunk/addonfactory-splunk_sa_cim lib/cim_actions.py): the `sendmodaction - `
  line with DEFAULT_MSGFIELDS in order and empty pairs pruned, ModularActionFormatter's
  "%Y-%m-%d %H:%M:%S,mmm+0000"; action_mode "saved" when the sid contains "scheduler"; update() takes
  orig_sid/orig_rid from the result and rid from it or (ModularAlertBase.pre_handle) its position;
  addevent() writes the notable action's own events with orig_sid/orig_rid set to the invoking search's
  sid and the result's rid, and result2stash() drops sid/rid/orig_sid/orig_rid from the event body.
- [IDX] Splunk_SA_CIM indexes $SPLUNK_HOME/var/log/splunk/<action>_modalert.log into index
  cim_modactions as sourcetype modular_alerts:<action>: Splunk's ES developer example (haveibeenpwned:
  "It is required that this endswith _modalert") and add-ons that document
  `index=cim_modactions sourcetype="modular_alerts:<action>"` (Twilio Studio, Azure blob upload,
  risk_super, TrackMe).
- [REST] Splunk_SA_CIM's modaction_invocations handler: Incident Review gets a notable's invocations
  from the macro `modular_action_invocations(sid, rid)`.
- [ADHOC] Ad hoc runs: the analyst's parameters go to `sendalert` over the notables (Splunk's ES
  developer example: `| sendalert <action> param.x=...`); splunkd gives an ad hoc search's action no
  search_name (sendalert reference) and a sid without "scheduler"; ES refuses a parameter the action does
  not declare (remg427/TA-thehive#22, "Invalid parameter for adhoc modular action").

Where no source says, the strictest reading is modelled and named here: the macro returns the events
whose orig_sid/orig_rid, or sid/rid for the correlation search's own run, equal the notable's
orig_sid/orig_rid; the panel shows, per action, the status of the last line that has one; a
`sendmodaction` line that does not parse as key="value" pairs is an error, not a skipped line.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional

from .authz import read_conf

INDEX = "cim_modactions"
ES_APP = "SplunkEnterpriseSecuritySuite"
REQUIRED_CAM = ("category", "task", "subject", "technology")  # [SPEC]
STATUSES = ("success", "failure", "pending")  # [LIB] message() statuses, queuework()'s pending
_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\+0000) ([A-Z]+) sendmodaction - (.*)$"
)  # [LIB]
_PAIR = re.compile(r'([A-Za-z_]+)="((?:[^"\\]|\\.)*)"')
_MODALERT = re.compile(r"^(?P<action>.+)_modalert\.log(\.\d+)?$")  # [IDX]
_counter = itertools.count(1)


@dataclass
class CamEvent:
    """One introspection event in cim_modactions."""

    time: str
    level: str
    source: str
    fields: Dict[str, str]
    index: str = INDEX

    @property
    def sourcetype(self) -> str:
        return f"modular_alerts:{self.fields.get('action_name', '')}"

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)


def parse_line(line: str, source: str = "") -> Optional[CamEvent]:
    """A sendmodaction line's event; None for other lines; ValueError for a garbled one."""
    if "sendmodaction - " not in line:
        return None
    match = _LINE.match(line.rstrip("\n"))
    if not match:
        raise ValueError(f"not a common action model line: {line!r}")
    rest, fields, at = match.group(3), {}, 0
    for pair in _PAIR.finditer(rest):
        if rest[at : pair.start()].strip():
            raise ValueError(f"unparseable text {rest[at : pair.start()]!r} in {line!r}")
        fields[pair.group(1)] = re.sub(r"\\(.)", r"\1", pair.group(2))
        at = pair.end()
    if rest[at:].strip():
        raise ValueError(f"unparseable text {rest[at:]!r} in {line!r}")
    return CamEvent(match.group(1), match.group(2), source, fields)


def index_logs(log_dir: Path) -> List[CamEvent]:
    """What Splunk_SA_CIM puts in cim_modactions from the log folder: the *_modalert.log files only."""
    events: List[CamEvent] = []
    for path in sorted(log_dir.iterdir()):
        match = _MODALERT.match(path.name)
        if not match:
            continue  # other logs go to _internal
        for line in path.read_text(encoding="utf-8").splitlines():
            event = parse_line(line, path.name)
            if event is not None:
                if event.get("action_name") != match.group("action"):
                    raise ValueError(f"{path.name} holds a line of {event.get('action_name')!r}")
                events.append(event)
    return sorted(events, key=lambda e: e.time)  # stable: lines of one file keep their order


@dataclass
class Notable:
    """A notable event as Incident Review holds it: the correlation search's result fields plus the
    notable action's own (orig_sid/orig_rid: the search and result it came from) [LIB]."""

    orig_sid: str
    orig_rid: str
    search_name: str
    fields: Dict[str, Any] = field(default_factory=dict)

    @property
    def event_id(self) -> str:
        digest = hashlib.md5(f"{self.orig_sid}|{self.orig_rid}".encode()).hexdigest().upper()  # noqa: S324
        return f"{digest[:8]}-{digest[8:12]}@@notable@@{digest}"

    def row(self) -> Dict[str, Any]:
        """The notable as a search over index=notable returns it (no sid or rid of its own) [LIB]."""
        return {
            **self.fields,
            "event_id": self.event_id,
            "orig_action_name": "notable",
            "orig_sid": self.orig_sid,
            "orig_rid": self.orig_rid,
            "search_name": self.search_name,
            "rule_name": self.search_name,
            "status": "1",
            "owner": "unassigned",
        }


def notables(sid: str, rows: Iterable[Mapping[str, Any]], search_name: str) -> List[Notable]:
    """The notables a correlation search's notable action creates, one per result [LIB]."""
    return [
        Notable(sid, str(row.get("rid") or n), search_name, dict(row)) for n, row in enumerate(rows)
    ]


class EnterpriseSecurity:
    """ES over one installed app: which actions it offers ad hoc, how it invokes them, what it shows."""

    def __init__(self, app_dir: Path) -> None:
        self.app_dir = Path(app_dir)
        self.actions = read_conf(self.app_dir / "default" / "alert_actions.conf")
        self.spec = read_conf(self.app_dir / "README" / "alert_actions.conf.spec")

    def cam(self, action: str) -> Dict[str, Any]:
        """The action's param._cam, checked as [SPEC] requires."""
        raw = self.actions.get(action, {}).get("param._cam")
        if raw is None:
            return {}
        cam = json.loads(raw)
        missing = [k for k in REQUIRED_CAM if not cam.get(k)]
        if missing:
            raise ValueError(f"{action}: param._cam lacks {missing}")
        for tech in cam["technology"]:
            if not (tech.get("vendor") and tech.get("product")):
                raise ValueError(f"{action}: each technology needs a vendor and a product")
        return dict(cam)

    def adhoc_actions(self) -> List[str]:
        """What Incident Review's "Run Adaptive Response Actions" offers [CIM]."""
        return [
            name
            for name, stanza in self.actions.items()
            if stanza.get("is_custom") == "1" and self.cam(name).get("supports_adhoc") is True
        ]

    def adhoc(
        self, action: str, picked: List[Notable], params: Mapping[str, str], user: str
    ) -> Dict[str, Any]:
        """The sendalert an analyst's ad hoc run on the picked notables comes down to: keyword
        arguments for SplunkHarness.alert() [ADHOC]."""
        if action not in self.adhoc_actions():
            raise ValueError(f"{action} is not offered for ad hoc runs")
        cam = self.cam(action)
        declared = {k[len("param.") :] for k in self.spec.get(action, {}) if k.startswith("param.")}
        unknown = sorted(set(params) - declared)
        if unknown:
            raise ValueError(f"Invalid parameter for adhoc modular action: {unknown}")
        rows = [n.row() for n in picked]
        for name in cam.get("field_name_params", []):
            chosen = params.get(name[len("param.") :])
            if chosen and not all(chosen in row for row in rows):
                raise ValueError(
                    f"{chosen} is not a field of the notable (the dropdown offers none)"
                )
        for name in cam.get("required_params", []):
            if not params.get(name[len("param.") :]):
                raise ValueError(f"{name} is required (marked * in Incident Review)")
        return {
            "action": action,
            "configuration": dict(params),
            "rows": rows,
            "user": user,
            "search_name": "",
            "sid": f"{int(time.time())}.{next(_counter)}",
            "app": ES_APP,
        }

    @staticmethod
    def invocations(events: Iterable[CamEvent], notable: Notable) -> List[CamEvent]:
        """A notable's events as `modular_action_invocations(sid, rid)` finds them [REST]."""
        mine = (notable.orig_sid, notable.orig_rid)
        return [
            e
            for e in events
            if (e.get("orig_sid"), e.get("orig_rid")) == mine
            or (e.get("sid"), e.get("rid")) == mine
        ]

    def panel(self, events: Iterable[CamEvent], notable: Notable) -> Dict[str, Dict[str, str]]:
        """The notable's Adaptive Responses panel: per action, the status and message of the last line
        that has a status; a status outside success/failure/pending is an error."""
        shown: Dict[str, Dict[str, str]] = {}
        for event in self.invocations(events, notable):
            status = event.get("action_status")
            if not status:
                continue
            if status not in STATUSES:
                raise ValueError(f"unknown action_status {status!r}")
            shown[event.get("action_name")] = {
                "status": status,
                "signature": event.get("signature"),
                "action_mode": event.get("action_mode"),
            }
        return shown
