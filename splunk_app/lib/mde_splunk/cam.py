"""What an alert action run leaves for Splunk Enterprise Security: the common action model's events.

A notable's *Adaptive Responses* panel in Incident Review (and ES's Adaptive Response Action Center) shows
the `sendmodaction` lines that cim_actions.py's ModularAction.message() writes to
$SPLUNK_HOME/var/log/splunk/<action>_modalert.log: Splunk_SA_CIM indexes that file into index
cim_modactions as sourcetype modular_alerts:<action>, the Splunk Audit Logs data model's Modular_Actions
dataset. Each line names the invoking search (sid, search_name), the result it is about (rid) and, for a
result that came from an action itself (a notable, when an analyst runs the action ad hoc from Incident
Review), that result's orig_sid and orig_rid, which tie the line to the notable; action_status is
success, failure or pending. cim_actions.py imports Splunk's own modules, so its format is reproduced
here: the fields in its order, then extra ones sorted, empty ones left out, UTC times with "+0000".
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Mapping, Optional

from mde_indicators.results import ItemResult, Status

from . import logs
from .rows import error_text

FIELDS = (
    "worker",
    "signature",
    "action_name",
    "search_name",
    "sid",
    "orig_sid",
    "rid",
    "orig_rid",
    "app",
    "user",
    "digest_mode",
    "action_mode",
    "action_status",
)
SUCCESS, FAILURE, PENDING = "success", "failure", "pending"
# Did the action do for this indicator what it was asked to? Queued ones are delivered later.
_ACTION_STATUS = {
    Status.SUBMITTED: SUCCESS,
    Status.UPDATED: SUCCESS,
    Status.DELETED: SUCCESS,
    Status.UNCHANGED: SUCCESS,
    Status.DUPLICATE: SUCCESS,
    Status.DRY_RUN: SUCCESS,
    Status.QUEUED: PENDING,
}
# cim_actions.py: a real-time scheduled search's sid carries the snapshot, which moves to the rid.
_RT_SID = re.compile(r"^(rt_scheduler.*)\.(\d+)(_?.*)$")
_NAME = re.compile(r"^[A-Za-z_]+$")
CAM_FILE = "mde_cam_file"  # marks the handler of <action>_modalert.log among others (pytest's own)


def action_status(status: Status) -> str:
    return _ACTION_STATUS.get(status, FAILURE)


@dataclass(frozen=True)
class ResultIds:
    """Which result a line is about: its own rid and, for a notable, the ids of the search behind it."""

    rid: str
    orig_sid: str = ""
    orig_rid: str = ""


class _UtcFormatter(logging.Formatter):
    converter = time.gmtime

    def formatTime(self, record: logging.LogRecord, datefmt: Optional[str] = None) -> str:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", self.converter(record.created))
        return f"{stamp},{int(record.msecs):03d}+0000"


def _text(value: Any) -> str:
    """A value fit for key="value": one line, no double quote to end it early."""
    text = " ".join(str(value).split()) if value is not None else ""
    return text.replace("\\", "\\\\").replace('"', "'")


class Recorder:
    """The common action model lines of one run of one action."""

    def __init__(self, action_name: str, payload: Mapping[str, Any]) -> None:
        self.action_name = action_name
        sid = str(payload.get("sid") or "")
        self.snapshot = ""
        match = _RT_SID.match(sid)
        if match:
            sid, self.snapshot = match.group(1) + match.group(3), match.group(2)
        self.sid = sid
        self.search_name = str(payload.get("search_name") or "")
        self.app = str(payload.get("app") or "")
        self.user = str(payload.get("user") or payload.get("owner") or "")
        self.action_mode = "saved" if "scheduler" in sid else "adhoc"
        # Per-result alerting: splunkd names the one result (result_id) and the run is not a digest.
        self.result_id = payload.get("result_id")
        self.digest_mode = 0 if self.result_id not in (None, "") else 1
        self.log = logging.getLogger(f"{logs.PREFIX}.cam.{action_name}")
        if not any(getattr(h, CAM_FILE, False) for h in self.log.handlers):
            formatter = _UtcFormatter("%(asctime)s %(levelname)s %(message)s")
            handler = logs.file_handler(f"{action_name}_modalert.log", formatter)
            setattr(handler, CAM_FILE, True)
            self.log.addHandler(handler)
            self.log.propagate = False
        self.log.setLevel(logging.INFO)

    def ids(self, position: int, record: Mapping[str, Any]) -> ResultIds:
        """The ids of the result at position (0-based) as cim_actions.py's update() sets them."""
        if self.digest_mode == 0:
            rid = str(self.result_id)
        else:
            own = record.get("rid")
            rid = str(own) if own not in (None, "") else str(position)
        if self.snapshot:
            rid = f"{rid}.{self.snapshot}"
        return ResultIds(rid, str(record.get("orig_sid") or ""), str(record.get("orig_rid") or ""))

    def message(
        self, ids: Optional[ResultIds], signature: str, status: str = "", **extra: Any
    ) -> str:
        values = {
            "signature": signature,
            "action_name": self.action_name,
            "search_name": self.search_name,
            "sid": self.sid,
            "orig_sid": ids.orig_sid if ids else "",
            "rid": ids.rid if ids else "",
            "orig_rid": ids.orig_rid if ids else "",
            "app": self.app,
            "user": self.user,
            "digest_mode": self.digest_mode,
            "action_mode": self.action_mode,
            "action_status": status,
        }
        names = [*FIELDS, *sorted(k for k in extra if k not in FIELDS and _NAME.match(k))]
        merged = {**extra, **values}
        pairs = [(n, _text(merged.get(n))) for n in names]
        line = "sendmodaction - " + " ".join(f'{n}="{v}"' for n, v in pairs if v)
        self.log.log(logging.ERROR if status == FAILURE else logging.INFO, line)
        return line

    def invoke(self, ids: ResultIds) -> None:
        self.message(ids, "Invoking modular action")

    def outcome(self, ids: ResultIds, result: ItemResult, labels: Mapping[str, str]) -> None:
        """One indicator's result: what happened to it, in words, and the app's own status fields."""
        kind = labels.get(result.indicator_type or "", result.indicator_type or "indicator")
        what = f"{kind} {result.value}" if result.value else kind
        if result.action and result.status in (Status.SUBMITTED, Status.UPDATED, Status.QUEUED):
            what += f" as {result.action}"
        if result.indicator_id:
            what += f" (indicator {result.indicator_id})"
        reason = error_text(result)
        self.message(
            ids,
            f"{result.status.value}: {what}" + (f": {reason}" if reason else ""),
            action_status(result.status),
            mde_status=result.status.value,
            mde_value=result.value,
            mde_type=result.indicator_type,
            mde_action=result.action,
            mde_indicator_id=result.indicator_id,
        )

    def summary(self, ids: ResultIds, results: Iterable[ItemResult]) -> str:
        """The result's overall status, last, so that it is what the panel shows: any failure fails it."""
        done = list(results)
        states = {action_status(r.status) for r in done}
        status = FAILURE if FAILURE in states else PENDING if PENDING in states else SUCCESS
        counts = Counter(r.status.value for r in done)
        shown = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        plural = "s" if len(done) != 1 else ""
        self.message(ids, f"{len(done)} indicator{plural}: {shown}", status)
        return status

    def failed(self, ids: Iterable[Optional[ResultIds]], reason: str) -> None:
        """The run stopped before any indicator (parameters, permission, splunkd): say so on each result."""
        for one in ids:
            self.message(one, reason, FAILURE)


def labels(types: Mapping[str, Any]) -> Dict[str, str]:
    """Indicator type -> its readable label (the schema's), for the messages."""
    return {name: getattr(t, "label", name) for name, t in types.items()}
