"""mdedelete: a streaming command that deletes MDE indicators by ID or by value (search head only)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from splunklib.searchcommands import StreamingCommand, dispatch

from mde_indicators.model import load_model
from mde_splunk.caps import WRITE
from mde_splunk.commands import MdeCommand, configure
from mde_splunk.deleting import Deleter
from mde_splunk.rows import sender
from mde_splunk.stream import RowBuffer


class MdeDeleteCommand(MdeCommand, StreamingCommand):
    def prepare(self):
        self.check(WRITE)
        if bool(self.id_field) == bool(self.field):
            self.stop(
                "Give either id_field= (indicator IDs) or field= (indicator values), not both."
            )
        self.deleter = Deleter(load_model(), self.id_field, self.field, self.values().get("type"))
        remote, account, dry_run, context = (
            self.remote(),
            self.account,
            self.flag("dry_run"),
            self.context(),
        )

        def send(payloads):
            if self.deleter.by_id:
                return remote.delete(account, ids=payloads, dry_run=dry_run, context=context)
            kind = self.deleter.indicator_type
            return remote.delete(
                account, values=payloads, indicator_type=kind, dry_run=dry_run, context=context
            )

        batch = load_model().operations["BatchDeleteIndicators"].batch_size
        preview = bool(self.metadata.preview)
        self.buffer = RowBuffer(
            batch, sender(self.guarded(send), self.deleter.describe, preview=preview)
        )

    def stream(self, records):
        return self.stream_buffered(records, self.deleter.row)


configure(MdeDeleteCommand, "mdedelete", distributed=False)
dispatch(MdeDeleteCommand, sys.argv, sys.stdin, sys.stdout, __name__)
