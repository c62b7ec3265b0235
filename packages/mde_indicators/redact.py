"""Keep credentials and hostile text out of what the pack shows and logs.

mask_credentials() hides bearer tokens, JWTs and credential parameters wherever they turn up (an upstream
error that echoes our Authorization header, a proxy URL with a password); upstream_text() also makes text
from a remote party (MDE's error messages and failure reasons, Entra ID's error descriptions) one bounded
line, so that it can neither flood nor forge lines in an output or a log.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Callable
from urllib.parse import urlsplit, urlunsplit

MASK = "********"
UPSTREAM_LIMIT = 500

_BEARER = re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9\-._~+/]+=*")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
_PARAMETER = re.compile(
    r"(?i)\b(client_secret|client_assertion|access_token|refresh_token|password|passphrase)"
    r"(\"?'?\s*[=:]\s*\"?'?)[^\s&\"',;}]+"
)
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):[^/\s@]*@")


def mask_credentials(text: str) -> str:
    """text with bearer tokens, JWTs, credential parameters and URL passwords replaced by a mask."""
    text = _BEARER.sub(rf"\1\2{MASK}", text)
    text = _JWT.sub(MASK, text)
    text = _PARAMETER.sub(rf"\1\2{MASK}", text)
    return _USERINFO.sub(rf"\1:{MASK}@", text)


def mask_url(url: str) -> str:
    """A URL with the password of its user info masked (a proxy URL shown by `check`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask_credentials(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{MASK}@{host}"))


def one_line(text: str) -> str:
    """text with every line break, control and format character shown as a space."""
    return "".join(
        " " if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in text
    ).strip()


def upstream_text(value: object, limit: int = UPSTREAM_LIMIT) -> str:
    """Text a remote party sent: credentials masked, one line, at most limit characters."""
    text = one_line(mask_credentials("" if value is None else str(value)))
    text = re.sub(r" {2,}", " ", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RedactFilter(logging.Filter):
    """A logging filter that masks credentials in every record's message (and its traceback);
    `mask` may do more (the Splunk app also masks its registered secrets)."""

    def __init__(self, mask: Callable[[str], str] = mask_credentials) -> None:
        super().__init__()
        self.mask = mask

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self.mask(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True
