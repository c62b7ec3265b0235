"""Per-item results to SOAR data: counts by status, the action's message and whether the action succeeded.

An action fails when nothing could be done (every item invalid, failed or not found); otherwise it succeeds
and summary.failed, summary.invalid … let a playbook branch on partial failures.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Dict, List, Sequence

from mde_indicators.results import ItemResult, Status


def counts(results: Sequence[ItemResult]) -> Dict[str, int]:
    """total plus one count per status (zeros included, so every data path always exists)."""
    found = Counter(r.status.value for r in results)
    return {"total": len(results), **{s.value: found.get(s.value, 0) for s in Status}}


def succeeded(results: Sequence[ItemResult]) -> bool:
    return any(r.ok for r in results)


def message(verb: str, results: Sequence[ItemResult]) -> str:
    """'Import: 1,201 items: 1,198 submitted, 2 invalid, 1 duplicate.'"""
    shown = ", ".join(f"{n:,} {s}" for s, n in counts(results).items() if n and s != "total")
    return f"{verb}: {len(results):,} item{'s' if len(results) != 1 else ''}: {shown or 'nothing to do'}."


def rows(results: Sequence[ItemResult]) -> List[Dict[str, Any]]:
    return [r.as_dict() for r in results]
