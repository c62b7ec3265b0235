"""App logging: one rotating file per component in $SPLUNK_HOME/var/log/splunk/ (indexed into _internal).

Every record passes a filter that masks registered secrets, so a secret that reaches a message by accident
is still never written. A log file that cannot be opened (permissions, a full or read-only disk) falls back
to stderr, which splunkd files in search.log or splunkd.log, rather than failing the command.
"""

from __future__ import annotations

import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from typing import Optional, Set

PREFIX = "ta_mde_indicators"
MASK = "********"
_SECRETS: Set[str] = set()
_FORMAT = "%(asctime)s %(levelname)s pid=%(process)d component=%(name)s | %(message)s"


def register_secret(value: Optional[str]) -> None:
    """Mask this value wherever it would appear in a log message from now on."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def mask(text: str) -> str:
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class _Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info:
            # Tracebacks carry exception messages; mask them too and keep only the masked text.
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def log_dir() -> Optional[str]:
    home = os.environ.get("SPLUNK_HOME")
    return os.path.join(home, "var", "log", "splunk") if home else None


def file_handler(filename: str, formatter: logging.Formatter) -> logging.Handler:
    """A masked, rotating handler for $SPLUNK_HOME/var/log/splunk/<filename>: stderr when the file cannot
    be opened, nothing outside Splunk (no SPLUNK_HOME)."""
    directory = log_dir()
    handler: logging.Handler
    if directory and os.path.isdir(directory):
        path = os.path.join(directory, filename)
        try:
            handler = RotatingFileHandler(
                path, maxBytes=25_000_000, backupCount=5, encoding="utf-8"
            )
        except OSError as exc:
            handler = logging.StreamHandler(sys.stderr)
            sys.stderr.write(f"WARN cannot open {path} ({exc.strerror}); logging to stderr\n")
    else:
        handler = logging.NullHandler()
    handler.setFormatter(formatter)
    handler.addFilter(_Redact())
    return handler


def get_logger(component: str, level: str = "INFO") -> logging.Logger:
    """The logger writing to ta_mde_indicators_<component>.log; the core's own loggers are routed there too."""
    name = f"{PREFIX}.{component}"
    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = file_handler(f"{PREFIX}_{component}.log", logging.Formatter(_FORMAT))
        logger.addHandler(handler)
        logger.propagate = False
        core = logging.getLogger("mde_indicators")
        if not core.handlers:
            core.addHandler(handler)
            core.propagate = False
    logger.setLevel(level.upper() if level else "INFO")
    logging.getLogger("mde_indicators").setLevel(logger.level)
    return logger
