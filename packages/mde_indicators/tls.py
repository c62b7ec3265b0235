"""Trust store for outgoing TLS: the public CAs plus an optional extra CA file (MDE_CA_BUNDLE).

Verification is never switched off. The base store is REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE) when set,
else certifi's; an extra CA is appended to it in a private cache file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from typing import Optional

import certifi

from .errors import ConfigurationError


def trust_store(extra_ca: Optional[str]) -> str:
    """Path of a CA bundle requests and msal can verify against."""
    public = (
        os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    )
    if not extra_ca:
        return public
    try:
        with open(extra_ca, "rb") as fh:
            extra = fh.read()
    except OSError as exc:
        raise ConfigurationError(f"Cannot read the CA bundle {extra_ca}: {exc.strerror}") from None
    if b"-----BEGIN CERTIFICATE-----" not in extra:
        raise ConfigurationError(f"{extra_ca} holds no PEM certificate.")
    with open(public, "rb") as fh:
        combined = fh.read() + b"\n" + extra
    digest = hashlib.sha256(combined).hexdigest()[:16]
    path = os.path.join(
        tempfile.gettempdir(),
        f"mde-indicators-ca-{os.getuid() if hasattr(os, 'getuid') else 0}-{digest}.pem",
    )
    if not os.path.exists(path):
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".pem")
        with os.fdopen(fd, "wb") as fh:
            fh.write(combined)
        os.replace(tmp, path)
    return path
