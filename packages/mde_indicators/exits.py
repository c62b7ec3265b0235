"""Exit statuses shared by every command-line entry point: the CLI and the Splunk alert action."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0  # every item succeeded (or ended as intended: duplicate, protected, queued)
    ITEMS = 1  # some item was invalid or failed, or a plan was refused
    USAGE = 2  # wrong invocation, parameters or configuration; nothing was sent
    AUTH = 3  # sign-in, permission or capability failure
    INPUT = 4  # the input could not be read (the alert's results file)
    UNAVAILABLE = (
        5  # a service the run depends on could not be reached (splunkd, the app's endpoint)
    )
