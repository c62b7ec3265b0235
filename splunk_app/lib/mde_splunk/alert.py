"""The mde_submit_indicator alert action: the JSON payload and the gzipped results in, imports out.

Every result row is validated and de-duplicated; valid indicators go to MDE in imports of at most the
schema's batch size through the app's REST handler, which keeps what MDE cannot take now (throttling,
outages, sign-in failures) in the outbox. Each import carries the time left before the run's deadline
(modalert.py): once it is spent, the rest goes straight to the outbox. Exit statuses
(mde_indicators.exits.ExitStatus): 0 every row delivered, queued, duplicate or protected; 1 some rows
invalid or rejected; 2 usage or parameters; 3 permission or account; 4 results file unreadable;
5 splunkd or the app's REST endpoint could not be reached.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from typing import IO, Any, Dict, List, Optional

from mde_indicators.exits import ExitStatus
from mde_indicators.model import load_model
from mde_indicators.results import ItemResult, Status

from . import modalert, spec
from .caps import WRITE
from .modalert import ModularAlert, read_results
from .remote import RemoteError
from .rows import sender
from .spec import arg_problems
from .stream import RowBuffer
from .submit import Submitter, describe

# What a firing may end with and still have done its job.
_FINE = {Status.SUBMITTED, Status.UPDATED, Status.QUEUED, Status.DUPLICATE, Status.PROTECTED}


class AlertRun(ModularAlert):
    name = "mde_submit_indicator"

    def __init__(self, payload: Dict[str, Any], err: IO[str]) -> None:
        super().__init__(payload, err)
        self.model = load_model()
        self.params = spec.alert_params(self.model)
        self.problem: Optional[RemoteError] = None

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
        left = max(0.0, self.remaining())
        try:
            account = self.config.get("account") or None
            return self.remote.import_indicators(
                account, bodies, queue=True, context=self.context, deadline=left,
                timeout=self.call_timeout(),
            )  # fmt: skip
        except RemoteError as exc:
            self.problem = self.problem or exc
            raise

    def execute(self) -> ExitStatus:
        values = self.values()
        problems = arg_problems(self.params, values)
        if not values.get("action"):
            problems.append("action is required.")
        if problems:
            self.say("ERROR", "Invalid alert parameters: " + " ".join(problems))
            return ExitStatus.USAGE
        if WRITE not in self.splunkd.capabilities()["capabilities"]:
            self.say("ERROR", f"The alert owner lacks the {WRITE} capability; nothing was sent.")
            return ExitStatus.AUTH
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
        self.record([i.result for i in items if i.local and i.result is not None])
        results = [i.result for i in items if i.result is not None]
        self.report(results, len(rows), buffer.batches)
        if self.problem is not None:
            if self.problem.unavailable or self.problem.status not in (400, 403):
                return ExitStatus.UNAVAILABLE
            return ExitStatus.AUTH
        counts = Counter(r.status for r in results)
        return ExitStatus.OK if set(counts) <= _FINE else ExitStatus.ITEMS

    def record(self, local: List[ItemResult]) -> None:
        """Have the handler audit the rows settled here (invalid, duplicate)."""
        if not local:
            return
        try:
            self.remote.record("import", local, self.config.get("account") or None, self.context)
        except RemoteError as exc:
            self.say("WARN", f"{len(local)} rows settled here were not audited: {exc}")

    def report(self, results: List[ItemResult], rows: int, batches: int) -> None:
        for r in results:
            if r.status not in _FINE:
                self.say("WARN", f"{r.status} value={r.value!r}: {r.reason}")
        counts = Counter(r.status for r in results)
        summary = " ".join(f"{k}={v}" for k, v in sorted((str(k), v) for k, v in counts.items()))
        spent = time.monotonic() - self.started
        self.say(
            "INFO",
            f"sid={self.context['sid']} rows={rows} batches={batches} {summary} seconds={spent:.1f}",
        )


def main(argv: List[str], stdin: IO[str], stderr: IO[str]) -> ExitStatus:
    return modalert.main(argv, stdin, stderr, AlertRun)
