"""The mde_submit_indicator alert action: the JSON payload and the gzipped results in, imports out.

Every result row is validated and de-duplicated; valid indicators go to MDE in imports of at most the
schema's batch size through the app's REST handler, which keeps what MDE cannot take now (throttling,
outages, sign-in failures) in the outbox. Each import carries the time left before the run's deadline
(modalert.py): once it is spent, the rest goes straight to the outbox. Each result's outcome is recorded
for Splunk Enterprise Security (response.py). Exit statuses (mde_indicators.exits.ExitStatus): 0 every
row delivered, queued, duplicate or protected; 1 some rows invalid or rejected; 2 usage or parameters;
3 permission or account; 4 results file unreadable; 5 splunkd or the app's REST endpoint could not be
reached.
"""

from __future__ import annotations

from typing import IO, Any, Dict, List, Tuple

from mde_indicators.exits import ExitStatus
from mde_indicators.results import Status

from . import modalert, spec
from .response import ResponseAction
from .spec import Arg
from .stream import Row
from .submit import Submitter, describe


class AlertRun(ResponseAction):
    name = spec.SUBMIT_ACTION
    required = ("indicator_field", "action")
    fine = frozenset(
        {Status.SUBMITTED, Status.UPDATED, Status.QUEUED, Status.DUPLICATE, Status.PROTECTED}
    )

    def parameters(self) -> Tuple[Arg, ...]:
        return spec.alert_params(self.model)

    def send(self, bodies: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        account = self.config.get("account") or None
        return self.remote.import_indicators(
            account, bodies, queue=True, context=self.context, **self.left()
        )

    def process(self, rows: List[Dict[str, Any]], values: Dict[str, Any]) -> Tuple[List[Row], int]:
        wire = {a.name: a.wire for a in self.params if a.wire and a.name != "indicator_field"}
        defaults = {wire[k]: v for k, v in values.items() if k in wire}
        submitter = Submitter(self.model, values["indicator_field"], defaults, {})
        batch = self.model.operations["ImportIndicators"].batch_size or 1
        return self.settle(rows, submitter.row, self.send, describe, batch)


def main(argv: List[str], stdin: IO[str], stderr: IO[str]) -> ExitStatus:
    return modalert.main(argv, stdin, stderr, AlertRun)
