"""The rules a sync decides by: which fields differ (sensibly compared) and which items to keep under the cap.

Both derive from the schema: compared fields are request fields that an update can change; severity order
is the schema's order of severities.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ...expiry import parse_iso, relative_duration
from ...model import Field, Model

KEY_FIELDS = ("indicatorValue", "indicatorType", "action")  # the upsert key (reference section 6)
PRIORITIES = {
    "severity": "higher severity first",
    "newest": "most recently modified at the source first (later input rows when there is no time)",
    "existing": "indicators already in MDE first (less churn)",
    "expiration": "longest-lived first (never-expiring first)",
}
MIN_TOLERANCE = timedelta(minutes=1)
RELATIVE_SHARE = 0.1


def compared_fields(model: Model) -> List[Field]:
    """Fields whose difference makes an update: request fields an upsert changes, except its key."""
    return [f for f in model.request_fields if not f.create_only and f.name not in KEY_FIELDS]


def expiry_tolerance(raw_expiration: Any, given: Optional[timedelta] = None) -> timedelta:
    """How far apart two expirations may be and still count as equal.

    A relative expiration ("30d") moves with every run: without slack every sync would update every
    indicator. By default it is refreshed once it has drifted by a tenth of its length.
    """
    if given is not None:
        return given
    duration = relative_duration(raw_expiration)
    return max(MIN_TOLERANCE, duration * RELATIVE_SHARE) if duration else MIN_TOLERANCE


def _same(field: Field, want: Any, have: Any, tolerance: timedelta) -> Optional[bool]:
    """True/False, or None when the service reports the field in a form that cannot be compared."""
    if field.type == "list":
        return sorted({str(v) for v in want or []}) == sorted({str(v) for v in have or []})
    if field.type == "boolean":
        return bool(want) == bool(have)
    if field.type == "enum":
        return str(want).lower() == str(have or "").lower()
    if field.type == "datetime":
        if not have:
            return False
        try:
            return abs(parse_iso(str(want)) - parse_iso(str(have))) <= tolerance
        except (ValueError, IndexError):
            return False
    if have is not None and not isinstance(have, str):
        return None  # e.g. category: sent as a name, reported as a number
    return str(want).strip() == (have or "").strip()


def differences(
    fields: Sequence[Field], body: Mapping[str, Any], row: Mapping[str, Any], tolerance: timedelta
) -> List[str]:
    """Names of the fields the desired body sets to something other than MDE has; unset means any."""
    return [
        f.name
        for f in fields
        if f.name in body and _same(f, body[f.name], row.get(f.name), tolerance) is False
    ]


def parse_priorities(text: Optional[str]) -> List[str]:
    keys = [k.strip().lower() for k in (text or "").split(",") if k.strip()]
    unknown = [k for k in keys if k not in PRIORITIES]
    if unknown:
        raise ValueError(
            f"unknown priority {', '.join(unknown)}; use a comma-separated list of "
            + ", ".join(PRIORITIES)
        )
    return keys


class Candidate:
    """What prioritisation needs to know about one desired item."""

    def __init__(
        self,
        index: int,
        body: Mapping[str, Any],
        source_time: Optional[str],
        exact: bool,
        stale: int,
    ) -> None:
        self.index = index
        self.body = body
        self.source_time = source_time
        self.exact = exact  # MDE has it owned with the same action
        self.stale = stale  # owned rows with the same value under another action


def rank(candidates: Sequence[Candidate], keys: Sequence[str], model: Model) -> List[Candidate]:
    """Candidates best first: stable sorts from the last key to the first, input order underneath."""
    severity = {s: n for n, s in enumerate(model.severities)}
    sort_keys: Dict[str, Callable[[Candidate], Tuple[Any, ...]]] = {
        "severity": lambda c: (severity.get(str(c.body.get("severity")), -1),),
        "newest": lambda c: (c.source_time is not None, c.source_time or "", c.index),
        "existing": lambda c: (c.exact or c.stale > 0,),
        "expiration": lambda c: (
            not c.body.get("expirationTime"),
            str(c.body.get("expirationTime") or ""),
        ),
    }
    ordered = sorted(candidates, key=lambda c: c.index)
    for key in reversed(keys):
        ordered.sort(key=sort_keys[key], reverse=True)
    return ordered


def peak_cost(c: Candidate, delete_missing: bool) -> int:
    """How many more indicators are active at the sync's peak because c is kept (see select_within_cap)."""
    return 1 + c.stale if delete_missing else (0 if c.exact else 1)


def select_within_cap(
    ranked: Sequence[Candidate], *, base: int, cap: int, delete_missing: bool
) -> Tuple[List[Candidate], List[Candidate], int]:
    """Keep candidates in rank order while the peak number of active indicators stays within cap.

    Without --delete-missing every owned indicator stays, so an existing one costs nothing and a new one
    costs 1. With it, an item left out is deleted first, so each kept one costs its own row plus the
    old-action rows that live until its replacement is imported.
    """
    kept: List[Candidate] = []
    dropped: List[Candidate] = []
    peak = base
    for c in ranked:
        cost = peak_cost(c, delete_missing)
        if peak + cost <= cap:
            kept.append(c)
            peak += cost
        else:
            dropped.append(c)
    return kept, dropped, peak
