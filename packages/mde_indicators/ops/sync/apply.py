"""Apply a sync plan (deletes of what is gone, imports, then deletes of replaced actions) and report it
as one result per input item plus one per deleted indicator.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from ...results import ItemResult, Progress, Status
from ...service import IndicatorService
from .plan import CREATE, REPLACE, UNCHANGED, UPDATE, Desired, SyncPlan

_SHOWN_VALUES = ("enum", "boolean", "datetime")


def describe_changes(d: Desired, model_fields: Mapping[str, Any]) -> str:
    """'severity Low -> High, title' for an update."""
    parts = []
    for name in d.changes:
        field = model_fields[name]
        if field.type in _SHOWN_VALUES and d.existing is not None:
            parts.append(f"{name} {d.existing.get(name)} -> {d.body.get(name)}")
        else:
            parts.append(name)
    return ", ".join(parts)


def _row_result(index: int, row: Mapping[str, Any], status: Status, **kw: Any) -> ItemResult:
    return ItemResult(
        index,
        str(row.get("indicatorValue", "")),
        status,
        indicator_type=row.get("indicatorType"),
        action=row.get("action"),
        indicator_id=str(row.get("id")),
        **kw,
    )


def _desired_result(d: Desired, status: Status, reason: str, **kw: Any) -> ItemResult:
    kw.setdefault("indicator_id", str(d.existing["id"]) if d.existing else None)
    return ItemResult(
        d.prepared.index,
        d.prepared.checked.value,
        status,
        indicator_type=d.body.get("indicatorType"),
        action=d.body.get("action"),
        reason=reason,
        **kw,
    )


def _intent(d: Desired, fields: Mapping[str, Any]) -> str:
    stale = ", ".join(str(r.get("id")) for r in d.stale)
    if d.kind == REPLACE:
        old = "/".join(sorted({str(r.get("action")) for r in d.stale}))
        return f"change the action {old} -> {d.body['action']}: import anew, then delete id {stale}"
    text = {CREATE: "create", UPDATE: f"update {describe_changes(d, fields)}"}.get(
        d.kind, "nothing (up to date)"
    )
    return text + (f"; delete the same value under another action (id {stale})" if stale else "")


def plan_results(plan: SyncPlan, fields: Mapping[str, Any]) -> List[ItemResult]:
    """Results of a plan that is not applied: a dry run, or a refused plan (changes fail)."""
    refused = plan.refusal is not None
    results: Dict[int, ItemResult] = {
        p.index: p.result for p in plan.prepared if p.result is not None
    }
    for d in plan.desired:
        intent = _intent(d, fields)
        if d.kind == UNCHANGED and not d.stale:
            results[d.prepared.index] = _desired_result(d, Status.UNCHANGED, "Up to date.")
        elif refused:
            results[d.prepared.index] = _desired_result(
                d,
                Status.FAILED,
                f"Not applied ({plan.refusal}) Would {intent}.",
                reason_code="plan_refused",
            )
        else:
            results[d.prepared.index] = _desired_result(d, Status.DRY_RUN, f"Would {intent}.")
    ordered = [results[i] for i in sorted(results)]
    base = len(plan.prepared)
    for n, row in enumerate(plan.deletes):
        if refused:
            status, code, reason = Status.FAILED, "plan_refused", f"Not deleted ({plan.refusal})."
        else:
            status, code = Status.DRY_RUN, "not_desired"
            reason = f"Would delete: owned by {plan.application!r} and no longer in the input."
        ordered.append(_row_result(base + n, row, status, reason_code=code, reason=reason))
    return ordered


def apply_sync(
    service: IndicatorService, plan: SyncPlan, progress: Optional[Progress] = None
) -> List[ItemResult]:
    """Write the plan: deletes first (room under the cap), imports, then old-action deletes.

    An old-action indicator is deleted only once MDE confirmed its replacement (a result paired with the
    item by value, not failed, with the new id): a value is never left without an indicator."""
    if plan.refusal is not None:
        return plan_results(plan, service.model.fields)
    gone = service.delete_ids([str(r["id"]) for r in plan.deletes], progress=progress)
    sending = [d for d in plan.desired if d.kind != UNCHANGED]
    service.send_prepared([d.prepared for d in sending], progress=progress)
    cleanup = [
        (d, row) for d in plan.desired for row in d.stale if d.kind == UNCHANGED or _confirmed(d)
    ]
    cleaned = service.delete_ids([str(row["id"]) for _, row in cleanup], progress=progress)
    failed: Dict[int, List[ItemResult]] = {}
    for (d, _), r in zip(cleanup, cleaned):
        if not r.ok:
            failed.setdefault(d.prepared.index, []).append(r)
    by_index = {d.prepared.index: d for d in plan.desired}
    results: List[ItemResult] = []
    for p in plan.prepared:
        if p.index in by_index:
            results.append(
                _settled(by_index[p.index], failed.get(p.index, []), service.model.fields)
            )
        elif p.result is not None:
            results.append(p.result)
    base = len(plan.prepared)
    for n, (row, r) in enumerate(zip(plan.deletes, gone)):
        reason = f"Owned by {plan.application!r} and no longer in the input." if r.ok else r.reason
        results.append(
            _row_result(
                base + n,
                row,
                r.status,
                reason_code=r.reason_code or "not_desired",
                reason=reason,
                http_status=r.http_status,
                request_id=r.request_id,
            )
        )
    return results


def _confirmed(d: Desired) -> bool:
    sent = d.prepared.result
    return sent is not None and sent.ok and bool(sent.indicator_id)


def _settled(
    d: Desired, cleanup_failures: Sequence[ItemResult], fields: Mapping[str, Any]
) -> ItemResult:
    """The final result of one desired item from its import result and its old-action deletes."""
    sent = d.prepared.result
    if d.kind != UNCHANGED and (sent is None or not sent.ok):
        return sent or _desired_result(d, Status.FAILED, "No result.", reason_code="no_result")
    if d.kind != UNCHANGED and d.stale and not _confirmed(d):
        stale_ids = ", ".join(str(r.get("id")) for r in d.stale)
        return _desired_result(
            d,
            Status.FAILED,
            "MDE accepted the import but named no id for the new indicator, so the same value "
            f"under another action (id {stale_ids}) was kept; run the sync again.",
            reason_code="replacement_unconfirmed",
            retryable=True,
        )
    new_id = (sent.indicator_id if sent else None) or (
        str(d.existing["id"]) if d.existing else None
    )
    stale = ", ".join(str(r.get("id")) for r in d.stale)
    if cleanup_failures:
        first = cleanup_failures[0]
        return _desired_result(
            d,
            Status.FAILED,
            f"{'Imported as id ' + str(new_id) if d.kind != UNCHANGED else 'Up to date'}, but the same "
            f"value under another action (id {stale}) could not be deleted: {first.reason}",
            indicator_id=new_id,
            reason_code=first.reason_code or "cleanup_failed",
            http_status=first.http_status,
            request_id=first.request_id,
        )
    cleanup = f" Deleted the same value under another action (id {stale})." if stale else ""
    if d.kind == CREATE:
        return _desired_result(d, Status.SUBMITTED, "Created.", indicator_id=new_id)
    if d.kind == UPDATE:
        text = f"Updated {describe_changes(d, fields)}.{cleanup}"
        return _desired_result(d, Status.UPDATED, text, indicator_id=new_id)
    if d.kind == REPLACE:
        old = "/".join(sorted({str(r.get("action")) for r in d.stale}))
        text = f"Action {old} -> {d.body['action']}: imported as id {new_id}, deleted id {stale}."
        return _desired_result(d, Status.UPDATED, text, indicator_id=new_id)
    return _desired_result(d, Status.UNCHANGED, f"Up to date.{cleanup}", indicator_id=new_id)
