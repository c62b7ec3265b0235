"""Preparing items for a write: validate, de-duplicate by indicator identity, refuse protected values.

Every input becomes a Prepared entry: either a wire body ready to send or an item already settled with
its result (invalid, duplicate, protected, rejected by its reader).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional

from .identity import IndicatorKey, key_of
from .model import Model
from .problems import REJECTED, Problem, split_meta
from .results import ItemResult, Status
from .validate import Checked, validate_indicator

Guard = Callable[[str, str], Optional[str]]
DRY_RUN_REASON = "Valid; not sent (dry run)."


@dataclass
class Prepared:
    """An input item after validation, ready to send (body) or already settled (result)."""

    index: int
    checked: Checked
    result: Optional[ItemResult] = None
    body: Dict[str, Any] = field(default_factory=dict)

    def settle(
        self,
        status: Status,
        *,
        indicator_id: Optional[str] = None,
        code: Optional[str] = None,
        reason: Optional[str] = None,
        retryable: bool = False,
    ) -> ItemResult:
        """Give this item its result, with the type and action of its body."""
        self.result = ItemResult(
            self.index,
            self.checked.value,
            status,
            indicator_type=self.body.get("indicatorType"),
            action=self.body.get("action"),
            indicator_id=indicator_id,
            reason_code=code,
            reason=reason,
            retryable=retryable,
        )
        return self.result


def settle(
    pending: Iterable[Prepared], status: Status, reason: str, code: Optional[str] = None
) -> None:
    """Give every still-unsettled item the same result (a dry run, or a run refused before writing)."""
    for p in pending:
        if p.result is None:
            p.settle(status, code=code, reason=reason)


def protect(entry: Prepared, guard: Guard, model: Model) -> bool:
    """Settle entry as protected when its action blocks a value the guard protects (allowing is fine)."""
    body = entry.body
    if entry.result is not None or not body or not model.actions[body["action"]].blocks:
        return False
    reason = guard(body["indicatorValue"], body["indicatorType"])
    if not reason:
        return False
    entry.settle(Status.PROTECTED, code="protected", reason=reason)
    entry.body = {}
    return True


def _rejected(
    index: int, item: Mapping[str, Any], why: Mapping[str, str], model: Model
) -> Prepared:
    """An input the reader could not turn into an indicator (e.g. an unsupported STIX pattern)."""
    value = str(item.get("indicatorValue") or "")
    limit = model.fields["indicatorValue"].max_length
    if limit and len(value) > limit:
        value = value[:limit] + "…"  # a hostile pattern of a megabyte is not echoed whole
    problem = Problem("indicatorValue", why["code"], why["message"])
    result = ItemResult(
        index,
        value,
        Status(why.get("status") or Status.INVALID.value),
        indicator_type=item.get("indicatorType"),
        reason_code=problem.code,
        reason=problem.message,
    )
    return Prepared(index, Checked(value, None, None, [problem]), result)


def body_key(model: Model, body: Mapping[str, Any]) -> IndicatorKey:
    """The identity of a wire body (or of a row MDE returned)."""
    return key_of(model, body.get("indicatorType"), str(body.get("indicatorValue") or ""))


def prepare(
    items: Iterable[Mapping[str, Any]],
    model: Model,
    *,
    defaults: Optional[Mapping[str, Any]] = None,
    guard: Optional[Guard] = None,
    now: Optional[datetime] = None,
) -> List[Prepared]:
    """Validate every item (defaults fill absent fields), mark duplicates and protected values."""
    seen: Dict[IndicatorKey, int] = {}
    prepared: List[Prepared] = []
    for index, raw in enumerate(items):
        item, meta = split_meta(raw)
        if REJECTED in meta:
            prepared.append(_rejected(index, item, meta[REJECTED], model))
            continue
        merged = {**(defaults or {}), **{k: v for k, v in item.items() if v not in (None, "")}}
        checked = validate_indicator(merged, model=model, now=now)
        entry = Prepared(index, checked)
        base: Dict[str, Any] = {
            "indicator_type": checked.indicator_type,
            "action": merged.get("action"),
        }
        if not checked.ok:
            entry.result = ItemResult(
                index,
                checked.value,
                Status.INVALID,
                reason_code=checked.reason_code,
                reason=checked.reason,
                **base,
            )
        else:
            body = checked.body or {}
            base["action"] = body["action"]
            key = body_key(model, body)
            if key in seen:
                entry.result = ItemResult(
                    index,
                    checked.value,
                    Status.DUPLICATE,
                    reason_code="duplicate",
                    reason=f"Same indicator as item {seen[key] + 1}.",
                    **base,
                )
            else:
                seen[key] = index
                entry.body = body
                if guard is not None:
                    protect(entry, guard, model)
        prepared.append(entry)
    return prepared
