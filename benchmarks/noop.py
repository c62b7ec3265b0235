"""The baseline: a splunklib streaming command that passes every record through unchanged."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from splunklib.searchcommands import Configuration, StreamingCommand, dispatch


@Configuration(distributed=False)
class NoopCommand(StreamingCommand):
    def stream(self, records):  # type: ignore[no-untyped-def]
        yield from records


dispatch(NoopCommand, sys.argv, sys.stdin, sys.stdout, __name__)
