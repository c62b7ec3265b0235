"""SOAR `contains` types for indicator values and IDs, so data paths chain with other SOAR apps.

Each schema indicator type maps to the CEF types SOAR apps use for it (a consistency test keeps this table
in step with the schema); every value also carries the official MDE app's own type, and IDs its ID type.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

from mde_indicators.model import Model

VALUE_TYPE = "defender atp indicator value"
ID_TYPE = "defender atp indicator id"
VAULT_TYPE = "vault id"
BY_INDICATOR_TYPE: Dict[str, Tuple[str, ...]] = {
    "FileSha1": ("hash", "sha1"),
    "FileSha256": ("hash", "sha256"),
    "FileMd5": ("hash", "md5"),
    "CertificateThumbprint": (),
    "IpAddress": ("ip", "ipv6"),
    "DomainName": ("domain",),
    "Url": ("url",),
}


def value_contains(model: Model) -> List[str]:
    """Every CEF type an indicator value of any schema type may be, then the MDE app's value type."""
    found = [c for name in model.indicator_types for c in BY_INDICATOR_TYPE[name]]
    return [*dict.fromkeys(found), VALUE_TYPE]


def id_contains() -> List[str]:
    return [ID_TYPE]
