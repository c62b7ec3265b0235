"""Asset settings to core objects: the ClientConfig (PEM text to private files), protected values, defaults.

Pure Python over the core, no SDK import, so the unit tests run it anywhere. MDE_* environment variables are
never read: an asset is configured only through its fields.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import os
import re
import shutil
import tempfile
from typing import Any, Dict, Mapping, Optional

from mde_indicators.config import ClientConfig
from mde_indicators.errors import ConfigurationError
from mde_indicators.guardrails import Guardrails
from mde_indicators.model import Model

PROTECTED_SOURCE = "asset protected_values"
# Indicator field (by its schema option name) -> the asset field holding its default.
ASSET_DEFAULTS = {
    "action": "default_action",
    "severity": "default_severity",
    "expiration": "default_expiration",
    "application": "application",
}
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)
_private_dir: Optional[str] = None


def normalise_pem(text: str, what: str) -> str:
    """PEM blocks rewrapped at 64 columns: a SOAR password field may have eaten the line breaks."""
    blocks = []
    for label, body in _PEM_BLOCK.findall(text or ""):
        data = "".join(body.split())
        try:
            base64.b64decode(data, validate=True)
        except ValueError:
            raise ConfigurationError(
                f"The asset's {what} holds a PEM block that is not base64."
            ) from None
        lines = [data[i : i + 64] for i in range(0, len(data), 64)]
        blocks.append("\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]))
    if not blocks:
        raise ConfigurationError(f"The asset's {what} holds no PEM block (-----BEGIN ...-----).")
    return "\n".join(blocks) + "\n"


def private_file(text: str) -> str:
    """The text in a 0600 file of a 0700 folder removed when the process ends (the core reads paths)."""
    global _private_dir
    if _private_dir is None:
        _private_dir = tempfile.mkdtemp(prefix="mde-indicators-soar-")
        atexit.register(shutil.rmtree, _private_dir, True)
    path = os.path.join(_private_dir, hashlib.sha256(text.encode()).hexdigest()[:16] + ".pem")
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(text)
    return path


def _text(value: Any) -> Optional[str]:
    text = str(value).strip() if value is not None else ""
    return text or None


def client_config(asset: Any) -> ClientConfig:
    """The core's settings from an asset; ConfigurationError names the asset field at fault."""
    secret = _text(asset.client_secret)
    certificate = _text(asset.client_certificate)
    if bool(secret) == bool(certificate):
        raise ConfigurationError(
            "Configure exactly one credential on the asset: client_secret or client_certificate "
            f"(found {'both' if secret else 'neither'})."
        )
    missing = [n for n in ("tenant_id", "client_id") if not _text(getattr(asset, n))]
    if missing:
        raise ConfigurationError(f"The asset lacks {', '.join(missing)}.")
    ca = _text(asset.ca_bundle)
    config = ClientConfig(
        tenant_id=_text(asset.tenant_id),
        client_id=_text(asset.client_id),
        client_secret=secret,
        client_certificate=private_file(normalise_pem(certificate, "client_certificate"))
        if certificate
        else None,
        client_certificate_password=_text(asset.client_certificate_password),
        cloud=_text(asset.cloud),
        region=_text(asset.region),
        api_url=_text(asset.api_url),
        authority_url=_text(asset.authority_url),
        ca_bundle=private_file(normalise_pem(ca, "ca_bundle")) if ca else None,
        connect_timeout=float(asset.connect_timeout),
        read_timeout=float(asset.read_timeout),
        max_retry_seconds=float(asset.max_retry_seconds),
    )
    config.check()
    return config


def guardrails(asset: Any) -> Guardrails:
    """The built-in protected values (unless switched off) plus the asset's own, one a line or comma."""
    guard = Guardrails.load(builtin=bool(asset.use_builtin_protected))
    lines = re.split(r"[\n,]", asset.protected_values or "")
    guard.add_lines(lines, PROTECTED_SOURCE)
    return guard


def defaults(asset: Any, model: Model, given: Mapping[str, Any]) -> Dict[str, Any]:
    """Field defaults for items: the asset's action, severity, expiration and application, then the
    action's parameters (wire names) on top."""
    base = {
        model.field_by_option(option).name: _text(getattr(asset, name))
        for option, name in ASSET_DEFAULTS.items()
    }
    merged = {**base, **{k: v for k, v in given.items() if v not in (None, "")}}
    return {k: v for k, v in merged.items() if v is not None}
