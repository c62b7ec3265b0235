"""App logging: one rotating file per component in $SPLUNK_HOME/var/log/splunk/ (indexed into _internal).

Every record passes a filter that masks registered secrets, bearer tokens and credential parameters, so a
secret that reaches a message by accident is still never written; line breaks in a message are escaped,
so that one record is always one event (splunkd breaks events at line ends). A log file that cannot be
opened (permissions, a full or read-only disk) falls back to stderr, which splunkd files in search.log or
splunkd.log, rather than failing the command.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from logging.handlers import RotatingFileHandler
from typing import Optional, Set

from mde_indicators.redact import RedactFilter, mask_credentials

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
    return mask_credentials(text)


_BREAKS = {"\r": "\\r", "\n": "\\n", "\x0b": "\\x0b", "\x0c": "\\x0c", "\x85": "\\x85"}
_BREAKS.update({c: f"\\u{ord(c):04x}" for c in "\u2028\u2029"})
_BREAK = re.compile("[" + "".join(_BREAKS) + "]")


def one_event(text: str) -> str:
    """text with every line break escaped (\\n, \\r, \\u2028 …): one log record, one event."""
    return _BREAK.sub(lambda m: _BREAKS[m.group(0)], text)


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
    handler.addFilter(RedactFilter(lambda text: one_event(mask(text))))
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
