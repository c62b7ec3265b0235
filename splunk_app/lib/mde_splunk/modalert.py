"""What a custom alert action of the app needs from splunkd's sendmodalert, whatever the action does.

splunkd runs `bin/<action>.py --execute` with the JSON payload on stdin (payload_format = json), files
stderr in splunkd.log (component sendmodalert) and aborts the script once the action's maxtime has passed
(alert_actions.conf, default 5m). So a run reads its own maxtime and keeps a deadline well inside it
(BUDGET of it): work left at the deadline is handed on (the outbox), never cut off mid-call by the kill.
Results come as a gzipped CSV whose multivalue fields can exceed the csv module's 128 KB field limit:
the limit is raised to splunklib's 10 MB. splunkd unreachable is one ERROR line and exit 5.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import time
from typing import IO, Any, Callable, Dict, List, Optional

from mde_indicators.exits import ExitStatus

from . import logs
from .remote import RemoteApi
from .splunkd import Splunkd, SplunkdError, SplunkdUnavailable

# splunklib searchcommands/internals.py raises the csv field limit to this for the same reason.
CSV_FIELD_LIMIT = 10 * 1024 * 1024
DEFAULT_MAXTIME = 300.0
# Share of maxtime a run may spend on its work; the rest covers start-up, queueing and exit.
BUDGET = 0.75
_MV = re.compile(r"\$((?:[^$]|\$\$)*)\$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def read_results(path: str) -> List[Dict[str, Any]]:
    """Rows of Splunk's results.csv.gz; multivalue fields (with their __mv_ column) as lists."""
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
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


def duration(text: Any) -> Optional[float]:
    """Seconds of an alert_actions.conf duration ("5m", "30s", "1h", "1d" or plain seconds)."""
    match = _DURATION.match(str(text or ""))
    if not match:
        return None
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


class ModularAlert:
    """One firing of a custom alert action: payload, owner's session, deadline, stderr lines."""

    name = ""  # the action's stanza in alert_actions.conf

    def __init__(self, payload: Dict[str, Any], err: IO[str]) -> None:
        self.started = time.monotonic()
        self.payload = payload
        self.config: Dict[str, Any] = dict(payload.get("configuration") or {})
        self.err = err
        self.log = logs.get_logger("alert")
        self.splunkd = Splunkd(str(payload.get("server_uri")), str(payload.get("session_key")))
        self.remote = RemoteApi(self.splunkd)
        self.context = {
            "source": "alert",
            "search_name": payload.get("search_name"),
            "sid": payload.get("sid"),
            "user": payload.get("owner") or payload.get("user"),
        }
        self.maxtime_seconds = DEFAULT_MAXTIME
        self.deadline = self.started + BUDGET * DEFAULT_MAXTIME

    def say(self, level: str, message: str) -> None:
        # splunkd files the script's stderr in splunkd.log (component sendmodalert), level first.
        self.err.write(f"{level} {logs.mask(message)}\n")
        getattr(self.log, {"WARN": "warning", "FATAL": "critical"}.get(level, level.lower()))(
            message
        )

    def maxtime(self) -> float:
        """The action's maxtime as splunkd applies it (default/ and local/ alert_actions.conf)."""
        try:
            entries = self.splunkd.entries(f"configs/conf-alert_actions/{self.name}")
        except SplunkdUnavailable:
            raise
        except SplunkdError as exc:
            self.log.warning("maxtime unreadable (%s); assuming %ss", exc.message, DEFAULT_MAXTIME)
            return DEFAULT_MAXTIME
        content = entries[0].get("content", {}) if entries else {}
        return duration(content.get("maxtime")) or DEFAULT_MAXTIME

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def call_timeout(self) -> float:
        """How long one call may take: the time left plus half the reserve kept after the deadline."""
        return max(0.0, self.remaining()) + (1 - BUDGET) * self.maxtime_seconds / 2

    def execute(self) -> ExitStatus:
        raise NotImplementedError

    def stopped(self, reason: str) -> None:
        """The run ended early for reason (splunkd out of reach or refusing a call)."""

    def run(self) -> ExitStatus:
        try:
            self.maxtime_seconds = self.maxtime()
            self.deadline = self.started + BUDGET * self.maxtime_seconds
            return self.execute()
        except SplunkdUnavailable as exc:
            self.say("ERROR", f"{exc.message}; nothing more was sent.")
            self.stopped(f"{exc.message}; nothing more was sent.")
            return ExitStatus.UNAVAILABLE
        except SplunkdError as exc:
            self.stopped(f"splunkd refused a call: {logs.mask(exc.message)}")
            raise


def main(
    argv: List[str],
    stdin: IO[str],
    stderr: IO[str],
    action: Callable[[Dict[str, Any], IO[str]], ModularAlert],
) -> ExitStatus:
    if len(argv) < 2 or argv[1] != "--execute":
        stderr.write("FATAL Unsupported execution mode (expected --execute)\n")
        return ExitStatus.USAGE
    try:
        payload = json.loads(stdin.read())
    except ValueError:
        stderr.write("FATAL The alert payload on stdin is not JSON (payload_format = json).\n")
        return ExitStatus.USAGE
    try:
        return action(payload, stderr).run()
    except SplunkdError as exc:
        stderr.write(f"ERROR splunkd refused a call: {logs.mask(exc.message)}\n")
        return ExitStatus.UNAVAILABLE
