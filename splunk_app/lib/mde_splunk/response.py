"""What the app's alert actions share as adaptive response actions of Splunk Enterprise Security.

splunkd runs an action for a correlation search (saved mode) or, from Incident Review, on the notables an
analyst picked (ad hoc mode: the rows are notables carrying orig_sid and orig_rid). Either way each result
gets the common action model's record (cam.py): an invocation line, one line per indicator with its
status and reason, and the result's overall status last; parameter, permission and splunkd failures are
recorded on every result too. The pack's own audit keeps one line per indicator (the REST handler's, and
record() for what was settled here). Exit statuses as mde_indicators.exits.ExitStatus (alert.py).
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from typing import IO, Any, Callable, Dict, FrozenSet, List, Optional, Tuple

from mde_indicators.exits import ExitStatus
from mde_indicators.model import load_model
from mde_indicators.results import ItemResult, Status

from . import cam
from .caps import WRITE
from .modalert import ModularAlert, read_results
from .remote import RemoteError
from .rows import sender
from .spec import Arg, arg_problems
from .stream import Row, RowBuffer


class ResponseAction(ModularAlert):
    operation = "import"  # what the handler audits the rows settled here as
    required: Tuple[str, ...] = ()
    fine: FrozenSet[Status] = frozenset()  # what a run may end with and still exit 0

    def __init__(self, payload: Dict[str, Any], err: IO[str]) -> None:
        super().__init__(payload, err)
        self.model = load_model()
        self.params = self.parameters()
        self.problem: Optional[RemoteError] = None
        self.cam = cam.Recorder(self.name, payload)
        self.labels = cam.labels(self.model.indicator_types)
        self.ids: List[cam.ResultIds] = []

    def parameters(self) -> Tuple[Arg, ...]:
        raise NotImplementedError

    def process(self, rows: List[Dict[str, Any]], values: Dict[str, Any]) -> Tuple[List[Row], int]:
        """Settle every row (in input order) and say in how many calls to the handler."""
        raise NotImplementedError

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

    def left(self) -> Dict[str, float]:
        """The time a call to the handler may use: what is left before the deadline, and its timeout."""
        return {"deadline": max(0.0, self.remaining()), "timeout": self.call_timeout()}

    def settle(
        self,
        rows: List[Dict[str, Any]],
        make_row: Callable[[Dict[str, Any]], Row],
        send: Callable[[List[Any]], List[Dict[str, Any]]],
        describe: Callable[[Any], Dict[str, Any]],
        batch: int,
    ) -> Tuple[List[Row], int]:
        """Every row in input order with its items settled through send in calls of batch, and the
        number of calls; the first refused call is kept as the run's problem (its exit status)."""

        def call(payloads: List[Any]) -> List[Dict[str, Any]]:
            try:
                return send(payloads)
            except RemoteError as exc:
                self.problem = self.problem or exc
                raise

        buffer = RowBuffer(
            batch, sender(call, describe), max_wait=float("inf"), max_rows=len(rows) + 1
        )
        done: List[Row] = []
        for record in rows:
            done += buffer.add(make_row(record))
        done += buffer.drain()
        return done, buffer.batches

    def read(self) -> Tuple[List[Dict[str, Any]], Optional[str]]:
        try:
            return read_results(str(self.payload.get("results_file"))), None
        except (OSError, EOFError, csv.Error) as exc:
            return [], f"Cannot read the results file: {exc}"

    def stopped(self, reason: str) -> None:
        if not self.ids:
            rows, _ = self.read()
            self.ids = [self.cam.ids(n, r) for n, r in enumerate(rows)]
        self.cam.failed(self.ids or [None], reason)

    def execute(self) -> ExitStatus:
        values = self.values()
        problems = arg_problems(self.params, values)
        problems += [f"{name} is required." for name in self.required if not values.get(name)]
        rows, unreadable = self.read()
        self.ids = [self.cam.ids(n, r) for n, r in enumerate(rows)]
        for one in self.ids:
            self.cam.invoke(one)
        if problems:
            return self.stop(ExitStatus.USAGE, "Invalid alert parameters: " + " ".join(problems))
        if unreadable:
            return self.stop(ExitStatus.INPUT, unreadable)
        if WRITE not in self.splunkd.capabilities()["capabilities"]:
            reason = f"The alert owner lacks the {WRITE} capability; nothing was sent."
            return self.stop(ExitStatus.AUTH, reason)
        # An ad hoc run on one notable (or several of one search): the history shows it under that search.
        origins = {one.orig_sid for one in self.ids if one.orig_sid}
        self.context["orig_sid"] = origins.pop() if len(origins) == 1 else None
        done, batches = self.process(rows, values)
        return self.finish(done, len(rows), batches)

    def stop(self, status: ExitStatus, reason: str) -> ExitStatus:
        self.say("ERROR", reason)
        self.cam.failed(self.ids or [None], reason)
        return status

    def finish(self, done: List[Row], rows: int, batches: int) -> ExitStatus:
        results: List[ItemResult] = []
        for row in done:
            mine = [i.result for i in row.items if i.result is not None]
            ids = self.ids[row.number - 1]
            for result in mine:
                self.cam.outcome(ids, result, self.labels)
            self.cam.summary(ids, mine)
            results += mine
        self.record([i.result for r in done for i in r.items if i.local and i.result is not None])
        self.report(results, rows, batches)
        if self.problem is not None:
            if self.problem.unavailable or self.problem.status not in (400, 403):
                return ExitStatus.UNAVAILABLE
            return ExitStatus.AUTH
        return ExitStatus.OK if {r.status for r in results} <= self.fine else ExitStatus.ITEMS

    def record(self, local: List[ItemResult]) -> None:
        """Have the handler audit the rows settled here (invalid, duplicate)."""
        if not local:
            return
        account = self.config.get("account") or None
        try:
            self.remote.record(self.operation, local, account, self.context)
        except RemoteError as exc:
            self.say("WARN", f"{len(local)} rows settled here were not audited: {exc}")

    def report(self, results: List[ItemResult], rows: int, batches: int) -> None:
        for r in results:
            if r.status not in self.fine:
                self.say("WARN", f"{r.status} value={r.value!r}: {r.reason}")
        counts = Counter(r.status for r in results)
        summary = " ".join(f"{k}={v}" for k, v in sorted((str(k), v) for k, v in counts.items()))
        spent = time.monotonic() - self.started
        self.say(
            "INFO",
            f"sid={self.context['sid']} rows={rows} batches={batches} {summary} seconds={spent:.1f}",
        )
