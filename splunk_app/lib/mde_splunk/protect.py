"""Protected values (lookups/mde_protected_indicators.csv): indicators this app refuses to send, with why.

A protected domain also covers its subdomains and the URLs on them; hashes and IPs match exactly.
"""

from __future__ import annotations

import csv
import os
from typing import Callable, Dict, Optional
from urllib.parse import urlsplit

from mde_indicators.model import Model

from . import APP_DIR

LOOKUP = "mde_protected_indicators.csv"
Guard = Callable[[str, str], Optional[str]]


def load_guard(model: Model, path: Optional[str] = None) -> Optional[Guard]:
    path = path or os.path.join(APP_DIR, "lookups", LOOKUP)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            table: Dict[str, str] = {
                str(row.get("indicator") or "").strip().lower(): str(
                    row.get("reason") or ""
                ).strip()
                for row in csv.DictReader(fh)
            }
    except OSError:
        return None
    table.pop("", None)
    if not table:
        return None

    def guard(value: str, indicator_type: str) -> Optional[str]:
        wanted = value.lower()
        host = wanted
        if model.indicator_types[indicator_type].format == "url":
            host = (urlsplit(wanted).hostname or "").rstrip(".")
        for protected, reason in table.items():
            hit = wanted == protected
            if not hit and model.indicator_types[indicator_type].format in ("url", "domain"):
                hit = host == protected or host.endswith("." + protected)
            if hit:
                return f"Protected by {LOOKUP}: {protected}" + (f" ({reason})" if reason else "")
        return None

    return guard
