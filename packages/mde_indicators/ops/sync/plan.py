"""Plan a sync: the desired indicators (validated, de-duplicated, guarded) against the ones the application
owns in MDE (`application` equals its name). Only owned indicators are ever updated or deleted.

One unfiltered listing yields all three sets a plan needs: the owned indicators, the others that share
the tenant's cap, and the non-owned ones an import would overwrite (MDE's upsert key ignores ownership).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ...guardrails import Guardrails
from ...identity import IndicatorKey
from ...model import Field, Model
from ...pipeline import Prepared, body_key, settle
from ...problems import REJECTED, SOURCE_TIME, UNREADABLE
from ...results import Status
from ...service import IndicatorService
from .rules import (
    Candidate,
    compared_fields,
    differences,
    expiry_tolerance,
    peak_cost,
    rank,
    select_within_cap,
)

CREATE, UPDATE, REPLACE, UNCHANGED = "create", "update", "replace", "unchanged"
Owned = Dict[IndicatorKey, List[Dict[str, Any]]]
Others = Dict[Tuple[IndicatorKey, str], Dict[str, Any]]


@dataclass
class Desired:
    """One valid input item and what the sync does with it."""

    prepared: Prepared
    kind: str
    existing: Optional[Dict[str, Any]] = None
    stale: List[Dict[str, Any]] = field(default_factory=list)  # owned, same value, another action
    changes: List[str] = field(default_factory=list)
    source_time: Optional[str] = None

    @property
    def body(self) -> Dict[str, Any]:
        return self.prepared.body


@dataclass
class SyncPlan:
    application: str
    prepared: List[Prepared]
    desired: List[Desired]
    deletes: List[Dict[str, Any]]  # owned and no longer desired (only with --delete-missing)
    kept_not_desired: int  # owned, no longer desired, left alone (no --delete-missing)
    owned: int
    others: int
    cap: int
    peak: int
    delete_missing: bool
    refusal: Optional[str] = None

    def of_kind(self, kind: str) -> List[Desired]:
        return [d for d in self.desired if d.kind == kind]

    @property
    def stale_rows(self) -> List[Dict[str, Any]]:
        return [row for d in self.desired for row in d.stale]

    @property
    def writes(self) -> int:
        """Indicators the plan creates, updates or deletes."""
        sent = sum(1 for d in self.desired if d.kind != UNCHANGED)
        return sent + len(self.deletes) + len(self.stale_rows)

    def summary(self) -> Dict[str, int]:
        """Counts of the plan (call it before apply_sync, which settles the items it sends)."""
        counts: Dict[str, int] = {"input_items": len(self.prepared)}
        counts.update({k: len(self.of_kind(k)) for k in (CREATE, UPDATE, REPLACE, UNCHANGED)})
        counts["delete"] = len(self.deletes) + len(self.stale_rows)
        for p in self.prepared:
            if p.result is not None:
                counts[p.result.status.value] = counts.get(p.result.status.value, 0) + 1
        counts.update(
            owned=self.owned,
            owned_kept=self.kept_not_desired,
            others=self.others,
            peak=self.peak,
            cap=self.cap,
        )
        return counts


def _skip(p: Prepared, code: str, reason: str) -> None:
    settle([p], Status.SKIPPED, reason, code)
    p.body = {}


def own_items(items: Sequence[Mapping[str, Any]], application: str) -> List[Dict[str, Any]]:
    """Stamp every item with the sync's application; a row naming another one is rejected."""
    out: List[Dict[str, Any]] = []
    for item in items:
        given = item.get("application")
        if given not in (None, "") and str(given) != application and REJECTED not in item:
            message = (
                f"The item names application {given!r}, but this sync owns {application!r}; "
                "leave the field empty or use the same name."
            )
            out.append({**item, REJECTED: {"code": "application_mismatch", "message": message}})
        else:
            out.append({**item, "application": application})
    return out


def plan_sync(
    service: IndicatorService,
    items: Sequence[Mapping[str, Any]],
    *,
    application: str,
    defaults: Optional[Mapping[str, Any]] = None,
    guardrails: Optional[Guardrails] = None,
    delete_missing: bool = False,
    allow_empty: bool = False,
    priorities: Sequence[str] = (),
    max_changes: Optional[int] = None,
    cap: Optional[int] = None,
    tolerance: Optional[timedelta] = None,
    now: Optional[datetime] = None,
    progress: Optional[Callable[[int], None]] = None,
) -> SyncPlan:
    """Validate the items, list what MDE holds (read calls only) and decide every change; writes nothing."""
    model = service.model
    stamped = own_items(items, application)
    prepared = service.prepare(stamped, defaults=defaults, guard=guardrails, now=now)
    rows: List[Dict[str, Any]] = []
    for row in service.client.iter_indicators():
        rows.append(row)
        if progress:
            progress(1)
    owned, others = _index(rows, application, model)
    owned_count = sum(len(rs) for rs in owned.values())
    fields = compared_fields(model)
    desired: List[Desired] = []
    for p in prepared:
        if p.result is None:
            raw = stamped[p.index]
            slack = expiry_tolerance(
                raw.get("expirationTime") or (defaults or {}).get("expirationTime"), tolerance
            )
            d = _decide(p, owned, others, fields, slack, raw.get(SOURCE_TIME), model)
            if d is not None:
                desired.append(d)
    limit = cap or model.max_active_indicators
    plan = SyncPlan(
        application=application,
        prepared=prepared,
        desired=desired,
        deletes=[],
        kept_not_desired=0,
        owned=owned_count,
        others=len(rows) - owned_count,
        cap=limit,
        peak=0,
        delete_missing=delete_missing,
    )
    _fit_cap(plan, priorities, model)
    wanted = {body_key(model, d.body) for d in plan.desired}
    gone = [r for key, rs in owned.items() if key not in wanted for r in rs]
    if delete_missing:
        plan.deletes = gone
    else:
        plan.kept_not_desired = len(gone)
    if plan.refusal is None and delete_missing and not plan.desired and gone and not allow_empty:
        plan.refusal = (
            f"No valid item is left in the input, so --delete-missing would delete all {len(gone):,} "
            f"indicators owned by {application!r}; give --allow-empty if that is what you want."
        )
    unreadable = sum(1 for p in prepared if p.result and p.result.reason_code == UNREADABLE)
    if plan.refusal is None and delete_missing and gone and unreadable:
        plan.refusal = (
            f"{unreadable:,} input object(s) could not be read, so their indicators cannot be told "
            "apart from those the input no longer lists; fix the input before --delete-missing."
        )
    if plan.refusal is None and max_changes is not None and plan.writes > max_changes:
        plan.refusal = (
            f"The plan changes {plan.writes:,} indicators, more than --max-changes {max_changes:,}."
        )
    return plan


def _index(rows: Sequence[Dict[str, Any]], application: str, model: Model) -> Tuple[Owned, Others]:
    """Owned rows by identity; the first other row by (identity, action)."""
    owned: Owned = {}
    others: Others = {}
    for row in rows:
        key = body_key(model, row)
        if row.get("application") == application:
            owned.setdefault(key, []).append(row)
        else:
            others.setdefault((key, str(row.get("action"))), row)
    return owned, others


def _decide(
    p: Prepared,
    owned: Owned,
    others: Others,
    fields: Sequence[Field],
    slack: timedelta,
    source_time: Optional[str],
    model: Model,
) -> Optional[Desired]:
    body = p.body
    key = body_key(model, body)
    other = others.get((key, body["action"]))
    if other is not None:
        _skip(
            p,
            "not_owned",
            f"MDE already has this indicator as id {other.get('id')} of application "
            f"{other.get('application')!r}; a sync never changes indicators it does not own.",
        )
        return None
    mine = owned.get(key, [])
    exact = [r for r in mine if r.get("action") == body["action"]]
    stale = [r for r in mine if r.get("action") != body["action"]] + exact[1:]
    d = Desired(p, REPLACE if stale else CREATE, stale=stale, source_time=source_time)
    if exact:
        d.existing = exact[0]
        d.changes = differences(fields, body, exact[0], slack)
        d.kind = UPDATE if d.changes else UNCHANGED
    return d


def _fit_cap(plan: SyncPlan, priorities: Sequence[str], model: Model) -> None:
    """Compute the peak; over the cap, drop the lowest-ranked items (with priorities) or refuse."""
    candidates = [
        Candidate(d.prepared.index, d.body, d.source_time, d.existing is not None, len(d.stale))
        for d in plan.desired
    ]
    base = plan.others + (0 if plan.delete_missing else plan.owned)
    plan.peak = base + sum(peak_cost(c, plan.delete_missing) for c in candidates)
    if plan.peak <= plan.cap:
        return
    if not priorities:
        plan.refusal = (
            f"The plan needs {plan.peak:,} active indicators at its peak; the tenant allows "
            f"{plan.cap:,} ({plan.others:,} of them not owned by {plan.application!r}). Give "
            "--prioritise (e.g. severity,newest) to keep the most important, --delete-missing, "
            "or trim the input."
        )
        return
    ranked = rank(candidates, priorities, model)
    _, dropped, plan.peak = select_within_cap(
        ranked, base=base, cap=plan.cap, delete_missing=plan.delete_missing
    )
    position = {c.index: n for n, c in enumerate(ranked, 1)}
    out = {c.index for c in dropped}
    for d in plan.desired:
        if d.prepared.index in out:
            _skip(
                d.prepared,
                "cap",
                f"Dropped to stay within {plan.cap:,} active indicators: ranked "
                f"{position[d.prepared.index]:,} of {len(ranked):,} by {','.join(priorities)}.",
            )
    plan.desired = [d for d in plan.desired if d.prepared.index not in out]
