"""One writer at a time per MDE application and tenant: an exclusive file lock around every write action.

The manifest asks SOAR for an exclusive lock per asset too; this one also holds across assets that share an
app registration, and outside the platform (the SDK's local runner). Linux only, like SOAR.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import time
from typing import Iterator

from mde_indicators.errors import MdeIndicatorsError

WAIT_SECONDS = 900.0
_POLL = 0.2


class LockTimeout(MdeIndicatorsError):
    """Another write on the same MDE application was still running after the wait."""


def lock_path(key: str) -> str:
    folder = os.path.join(tempfile.gettempdir(), f"mde-indicators-soar-{os.getuid()}")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return os.path.join(folder, hashlib.sha256(key.encode()).hexdigest()[:24] + ".lock")


@contextlib.contextmanager
def write_lock(key: str, wait: float = WAIT_SECONDS) -> Iterator[float]:
    """Hold the lock for key; yields the seconds spent waiting for it."""
    fd = os.open(lock_path(key), os.O_RDWR | os.O_CREAT, 0o600)
    started = time.monotonic()
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() - started >= wait:
                    raise LockTimeout(
                        f"Another write with this MDE application was still running after {wait:.0f}s; "
                        "nothing was sent."
                    ) from None
                time.sleep(_POLL)
        try:
            yield time.monotonic() - started
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
