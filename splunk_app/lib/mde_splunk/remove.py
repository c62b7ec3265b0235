"""The mde_remove_indicator alert action: delete the indicators with each result's values.

Values (a multivalue field gives several) are looked up by value and type, each value's detected type
unless indicator_type names one, and deleted in batch calls through the app's REST handler. Only
indicators whose application is the app's own ([settings] application) go, unless an admin set
[settings] remove_any_application: the others are left alone and reported skipped. Deletions cannot wait
in an outbox: past the run's deadline the rest fail with that reason. Exit statuses as the submit action's
(alert.py), with 0 when every value was deleted, not found, skipped or a duplicate.
"""

from __future__ import annotations

from typing import IO, Any, Dict, List, Tuple

from mde_indicators.exits import ExitStatus
from mde_indicators.results import Status

from . import modalert, spec
from .deleting import Deleter
from .response import ResponseAction
from .spec import Arg
from .stream import Row


class RemoveRun(ResponseAction):
    name = spec.REMOVE_ACTION
    operation = "delete"
    required = ("indicator_field",)
    fine = frozenset({Status.DELETED, Status.NOT_FOUND, Status.SKIPPED, Status.DUPLICATE})

    def parameters(self) -> Tuple[Arg, ...]:
        return spec.remove_params(self.model)

    def process(self, rows: List[Dict[str, Any]], values: Dict[str, Any]) -> Tuple[List[Row], int]:
        deleter = Deleter(self.model, None, values["indicator_field"], values.get("indicator_type"))
        account = self.config.get("account") or None

        def send(payloads: List[Any]) -> List[Dict[str, Any]]:
            return self.remote.delete(
                account, values=payloads, indicator_type=deleter.indicator_type,
                owned_only=True, detected_type=True, context=self.context, **self.left(),
            )  # fmt: skip

        batch = self.model.operations["BatchDeleteIndicators"].batch_size or 1
        return self.settle(rows, deleter.row, send, deleter.describe, batch)


def main(argv: List[str], stdin: IO[str], stderr: IO[str]) -> ExitStatus:
    return modalert.main(argv, stdin, stderr, RemoveRun)
