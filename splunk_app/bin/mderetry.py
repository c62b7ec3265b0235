"""mderetry: delivers the app's outbox (indicators the alert action could not deliver yet), one event each."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from splunklib.searchcommands import GeneratingCommand, dispatch

from mde_indicators.results import ItemResult
from mde_splunk.caps import WRITE
from mde_splunk.commands import MdeCommand, configure
from mde_splunk.remote import RemoteError
from mde_splunk.rows import error_text

SHOWN = ("value", "indicator_type", "action", "status", "indicator_id", "attempts", "next_attempt")


class MdeRetryCommand(MdeCommand, GeneratingCommand):
    def prepare(self):
        self.check(WRITE)

    def generate(self):
        if self.metadata.preview:
            return
        try:
            answer = self.remote().retry_outbox(self.account, int(self.max))
        except RemoteError as exc:
            self.write_error(str(exc))
            return
        now = time.time()
        for result in answer.get("results") or []:
            event = {"_time": now, **{f"mde_{k}": result.get(k) for k in SHOWN}}
            event["mde_error"] = error_text(ItemResult.from_dict(result))
            yield event
        self.write_info(
            f"{len(answer.get('results') or [])} outbox entries processed, {answer.get('pending')} pending."
        )


configure(MdeRetryCommand, "mderetry", distributed=False)
dispatch(MdeRetryCommand, sys.argv, sys.stdin, sys.stdout, __name__)
