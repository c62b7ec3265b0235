"""The mde_submit_indicator alert action: the JSON payload and the gzipped results in, imports out.

Every result row is validated and de-duplicated; valid indicators go to MDE in imports of at most the
schema's batch size through the app's REST handler, which keeps what MDE cannot take now (throttling,
outages, sign-in failures) in the outbox. Exit statuses (mde_indicators.exits.ExitStatus): 0 every row
delivered, queued, duplicate or protected; 1 some rows invalid or rejected; 2 usage or parameters;
3 permission or account; 4 results file unreadable; 5 the app's REST endpoint failed.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections import Counter
from typing import IO, Any, Dict, List, Optional

from mde_indicators.exits import ExitStatus
from mde_indicators.model import load_model
from mde_indicators.results import Status

from . import audit, logs, spec
from .caps import WRITE
from .remote import RemoteApi, RemoteError
from .rows import sender
from .spec import arg_problems
from .splunkd import Splunkd, SplunkdError
from .stream import RowBuffer
from .submit import Submitter, describe

_MV = re.compile(r"\$((?:[^$]|\$\$)*)\$")
# What a firing may end with and still have done its job.
_FINE = {Status.SUBMITTED, Status.UPDATED, Status.QUEUED, Status.DUPLICATE, Status.PROTECTED}


def read_results(path: str) -> List[Dict[str, Any]]:
    """Rows of Splunk's results.csv.gz; multivalue fields (with their __mv_ column) as lists."""
    rows = []
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for raw in csv.DictReader(fh):
            row: Dict[str, Any] = {}
            for name, value in raw.items():
                if name.startswith("__mv_"):
                    continue
                mv = raw.get(f"__mv_{name}")
                row[name] = [v.replace("$$", "$") for v in _MV.findall(mv)] if mv else value
            rows.append(row)
    return rows


class AlertRun:
    def __init__(self, payload: Dict[str, Any], err: IO[str]) -> None:
        self.payload = payload
        self.config: Dict[str, Any] = dict(payload.get("configuration") or {})
        self.err = err
        self.log = logs.get_logger("alert")
        self.model = load_model()
        self.params = spec.alert_params(self.model)
        self.remote = RemoteApi(
            Splunkd(str(payload.get("server_uri")), str(payload.get("session_key")))
        )
        self.context = {
            "source": "alert",
            "search_name": payload.get("search_name"),
            "sid": payload.get("sid"),
            "user": payload.get("owner") or payload.get("user"),
        }
        self.problem: Optional[RemoteError] = None

    def say(self, level: str, message: str) -> None:
        # splunkd files the script's stderr in splunkd.log (component sendmodalert), level first.
        self.err.write(f"{level} {logs.mask(message)}\n")
        getattr(self.log, {"WARN": "warning", "FATAL": "critical"}.get(level, level.lower()))(
            message
        )

    def values(self) -> Dict[str, Any]:
        given = {
            a.name: self.config.get(a.name)
            for a in self.params
            if self.config.get(a.name) not in (None, "")
        }
        for arg in self.params:
            canonical = {c.lower(): c for c in arg.choices}
            if arg.name in given:
                given[arg.name] = canonical.get(
                    str(given[arg.name]).strip().lower(), given[arg.name]
                )
        return given

    def send(self, bodies: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        try:
            account = self.config.get("account") or None
            return self.remote.import_indicators(account, bodies, queue=True, context=self.context)
        except RemoteError as exc:
            self.problem = self.problem or exc
            raise

    def run(self) -> ExitStatus:
        values = self.values()
        problems = arg_problems(self.params, values)
        if not values.get("action"):
            problems.append("action is required.")
        if problems:
            self.say("ERROR", "Invalid alert parameters: " + " ".join(problems))
            return ExitStatus.USAGE
        try:
            if WRITE not in self.remote.splunkd.capabilities()["capabilities"]:
                self.say(
                    "ERROR", f"The alert owner lacks the {WRITE} capability; nothing was sent."
                )
                return ExitStatus.AUTH
        except SplunkdError as exc:
            self.say("ERROR", f"Cannot reach splunkd: {exc.message}")
            return ExitStatus.UNAVAILABLE
        try:
            rows = read_results(str(self.payload.get("results_file")))
        except (OSError, EOFError, csv.Error) as exc:
            self.say("ERROR", f"Cannot read the results file: {exc}")
            return ExitStatus.INPUT
        return self.submit(rows, values)

    def submit(self, rows: List[Dict[str, Any]], values: Dict[str, Any]) -> ExitStatus:
        wire = {a.name: a.wire for a in self.params if a.wire and a.name != "indicator_field"}
        defaults = {wire[k]: v for k, v in values.items() if k in wire}
        submitter = Submitter(
            self.model, values.get("indicator_field") or "indicator", defaults, {}
        )
        batch = self.model.operations["ImportIndicators"].batch_size or 1
        buffer = RowBuffer(
            batch, sender(self.send, describe), max_wait=float("inf"), max_rows=len(rows) + 1
        )
        done = []
        for record in rows:
            done += buffer.add(submitter.row(record))
        done += buffer.drain()
        items = [i for row in done for i in row.items if i.result is not None]
        local = [i.result for i in items if i.local and i.result is not None]
        audit.record("import", local, {**self.context, "account": self.config.get("account")})
        results = [i.result for i in items if i.result is not None]
        for r in results:
            if r.status not in _FINE:
                self.say("WARN", f"{r.status} value={r.value!r}: {r.reason}")
        counts = Counter(r.status for r in results)
        summary = " ".join(f"{k}={v}" for k, v in sorted((str(k), v) for k, v in counts.items()))
        self.say(
            "INFO", f"sid={self.context['sid']} rows={len(rows)} batches={buffer.batches} {summary}"
        )
        if self.problem is not None:
            return ExitStatus.AUTH if self.problem.status in (400, 403) else ExitStatus.UNAVAILABLE
        return ExitStatus.OK if set(counts) <= _FINE else ExitStatus.ITEMS


def main(argv: List[str], stdin: IO[str], stderr: IO[str]) -> ExitStatus:
    if len(argv) < 2 or argv[1] != "--execute":
        stderr.write("FATAL Unsupported execution mode (expected --execute)\n")
        return ExitStatus.USAGE
    try:
        payload = json.loads(stdin.read())
    except ValueError:
        stderr.write("FATAL The alert payload on stdin is not JSON (payload_format = json).\n")
        return ExitStatus.USAGE
    return AlertRun(payload, stderr).run()
