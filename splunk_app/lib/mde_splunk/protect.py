"""Protected values: the core's built-in list (sign-in, update, public DNS, empty-file hashes) plus the
admins' own, kept in the KV Store collection mde_indicators_protected (lookup
mde_indicators_protected_lookup: indicator, reason). A KV Store collection survives app updates, the
deployment server and the SHC deployer, which all replace the app's files. Blocking a protected value is
refused; allowing or auditing it is fine.
"""

from __future__ import annotations

from typing import Any, Dict, List

from mde_indicators.guardrails import Guardrails

from .splunkd import Splunkd

COLLECTION = "mde_indicators_protected"
LOOKUP = "mde_indicators_protected_lookup"


def entries(system: Splunkd) -> List[Dict[str, Any]]:
    return list(system.get(f"storage/collections/data/{COLLECTION}") or [])


def load_guard(system: Splunkd) -> Guardrails:
    """The guard the handler hands to the core: built-in values plus every entry of the collection."""
    guard = Guardrails.load(builtin=True)
    for row in entries(system):
        value = str(row.get("indicator") or "").strip()
        reason = str(row.get("reason") or "").strip()
        try:
            guard.add(value, LOOKUP + (f" ({reason})" if reason else ""))
        except ValueError:
            continue  # a row that is no value at all cannot protect anything
    return guard
