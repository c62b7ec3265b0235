"""Trust store for outgoing TLS: the public CAs plus an optional extra CA file (MDE_CA_BUNDLE), in memory.

Verification is never switched off. The base store is REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE) when set,
else certifi's; the extra CA is loaded into the same SSLContext. Nothing is written to disk, so there is no
file another local user could plant or swap; an extra CA file that other users may write is refused.
"""

from __future__ import annotations

import os
import ssl
import stat
from typing import Optional

import certifi
from urllib3.util.ssl_ import create_urllib3_context

from .errors import ConfigurationError

_PEM = "-----BEGIN CERTIFICATE-----"


def public_bundle() -> str:
    return (
        os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    )


def _read_extra(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            info = os.fstat(fh.fileno())
            data = fh.read()
    except OSError as exc:
        raise ConfigurationError(f"Cannot read the CA bundle {path}: {exc.strerror}") from None
    if os.name == "posix" and info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        mode = stat.S_IMODE(info.st_mode)
        raise ConfigurationError(
            f"The CA bundle {path} can be changed by other users (mode {mode:o}), so it cannot be "
            f"trusted; run: chmod go-w {path}"
        )
    text = data.decode("ascii", "replace")
    if _PEM not in text:
        raise ConfigurationError(f"{path} holds no PEM certificate.")
    return text


def ssl_context(extra_ca: Optional[str]) -> ssl.SSLContext:
    """A verifying client context trusting the public CAs and, when given, the CAs of extra_ca."""
    public = public_bundle()
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
    try:
        if os.path.isdir(public):
            context.load_verify_locations(capath=public)
        else:
            context.load_verify_locations(cafile=public)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(f"Cannot load the public CA bundle {public}: {exc}") from None
    if extra_ca:
        text = _read_extra(extra_ca)
        try:
            context.load_verify_locations(cadata=text[text.index(_PEM) :])
        except ssl.SSLError as exc:
            raise ConfigurationError(f"{extra_ca} is not a valid PEM CA bundle: {exc}") from None
    return context
