"""mdelist: a generating command listing MDE indicators, one event per indicator (search head only)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from splunklib.searchcommands import GeneratingCommand, dispatch

from mde_indicators.model import load_model
from mde_splunk.caps import READ
from mde_splunk.commands import MdeCommand, configure
from mde_splunk.listing import build_filter, events
from mde_splunk.remote import RemoteError


class MdeListCommand(MdeCommand, GeneratingCommand):
    def prepare(self):
        self.check(READ)
        try:
            self.filter_text = build_filter(load_model(), self.spec, self.values())
        except ValueError as exc:
            self.stop(str(exc))

    def generate(self):
        try:
            yield from events(
                load_model(), self.remote(), self.account, self.filter_text, int(self.max)
            )
        except RemoteError as exc:
            self.write_error(str(exc))


configure(MdeListCommand, "mdelist", distributed=False)
dispatch(MdeListCommand, sys.argv, sys.stdin, sys.stdout, __name__)
