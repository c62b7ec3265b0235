"""mdesubmit: a streaming command that submits the indicator values of each result to MDE (search head only)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from splunklib.searchcommands import StreamingCommand, dispatch

from mde_indicators.model import load_model
from mde_splunk.caps import WRITE
from mde_splunk.commands import MdeCommand, configure
from mde_splunk.rows import sender
from mde_splunk.spec import FIELD_SUFFIX
from mde_splunk.stream import RowBuffer
from mde_splunk.submit import Submitter, describe


class MdeSubmitCommand(MdeCommand, StreamingCommand):
    def prepare(self):
        self.check(WRITE)
        model = load_model()
        defaults, per_row, given = {}, {}, self.values()
        for arg in self.spec.args:
            value = given.get(arg.name)
            if value is None or not arg.wire or arg.name == "field":
                continue
            if arg.name.endswith(FIELD_SUFFIX):
                per_row[arg.wire] = value
            else:
                defaults[arg.wire] = value
        self.submitter = Submitter(model, self.field, defaults, per_row)
        remote, account, dry_run = self.remote(), self.account, self.flag("dry_run")

        def send(bodies):
            return remote.import_indicators(
                account, bodies, dry_run=dry_run, context=self.context()
            )

        batch = model.operations["ImportIndicators"].batch_size
        preview = bool(self.metadata.preview)
        self.buffer = RowBuffer(batch, sender(self.guarded(send), describe, preview=preview))

    def stream(self, records):
        return self.stream_buffered(records, self.submitter.row)


configure(MdeSubmitCommand, "mdesubmit", distributed=False)
dispatch(MdeSubmitCommand, sys.argv, sys.stdin, sys.stdout, __name__)
