"""Protected values: the core's built-in list (sign-in, update, public DNS, empty-file hashes) plus the
app's lookup (lookups/mde_protected_indicators.csv). Blocking one is refused; allowing or auditing is fine.
"""

from __future__ import annotations

import csv
import os
from typing import Optional

from mde_indicators.guardrails import Guardrails
from mde_indicators.model import Model

from . import APP_DIR

LOOKUP = "mde_protected_indicators.csv"


def load_guard(model: Model, path: Optional[str] = None) -> Guardrails:
    """The guard the handler hands to the core: built-in values plus every row of the lookup."""
    guard = Guardrails.load(builtin=True)
    path = path or os.path.join(APP_DIR, "lookups", LOOKUP)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                value = str(row.get("indicator") or "").strip()
                reason = str(row.get("reason") or "").strip()
                try:
                    guard.add(value, LOOKUP + (f" ({reason})" if reason else ""))
                except ValueError:
                    continue  # a row that is no value at all cannot protect anything
    except OSError:
        pass
    return guard
