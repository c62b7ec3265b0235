"""Many-item operations with per-item results: validate, de-duplicate, guard, batch, send, align results.

Every input item ends with one ItemResult. A failure that will hit every later call too (sign-in,
permission, throttling beyond the budget, network down) stops the run and fails the rest with its reason.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Deque, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from .client import IndicatorsClient
from .deletion import Deleter, Progress, stops_the_run
from .errors import (
    BadRequest,
    ConfigurationError,
    MdeIndicatorsError,
)
from .model import Model, load_model
from .problems import REJECTED, Problem, split_meta
from .results import ItemResult, Status, failure
from .validate import Checked, validate_indicator

Guard = Callable[[str, str], Optional[str]]


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
        )
        return self.result


DRY_RUN_REASON = "Valid; not sent (dry run)."


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


def _rejected(index: int, item: Mapping[str, Any], why: Mapping[str, str]) -> Prepared:
    """An input the reader could not turn into an indicator (e.g. an unsupported STIX pattern)."""
    value = str(item.get("indicatorValue") or "")
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


def _pop(queue: Deque[Dict[str, Any]]) -> Dict[str, Any]:
    return queue.popleft() if queue else {}


class IndicatorService:
    def __init__(self, client: Optional[IndicatorsClient], model: Optional[Model] = None) -> None:
        """A service over client; with no client it can only validate and dry-run."""
        self._client = client
        self.model = model or (client.model if client else load_model())

    @property
    def client(self) -> IndicatorsClient:
        if self._client is None:
            raise ConfigurationError("This operation needs a connection to MDE.")
        return self._client

    # -- validation -------------------------------------------------------------------------------
    def prepare(
        self,
        items: Iterable[Mapping[str, Any]],
        *,
        defaults: Optional[Mapping[str, Any]] = None,
        guard: Optional[Guard] = None,
        now: Optional[datetime] = None,
    ) -> List[Prepared]:
        """Validate every item (defaults fill absent fields), mark duplicates and protected values."""
        seen: Dict[Tuple[str, str], int] = {}
        prepared: List[Prepared] = []
        for index, raw in enumerate(items):
            item, meta = split_meta(raw)
            if REJECTED in meta:
                prepared.append(_rejected(index, item, meta[REJECTED]))
                continue
            merged = {**(defaults or {}), **{k: v for k, v in item.items() if v not in (None, "")}}
            checked = validate_indicator(merged, model=self.model, now=now)
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
                key = (body["indicatorType"], body["indicatorValue"])
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
                        protect(entry, guard, self.model)
            prepared.append(entry)
        return prepared

    # -- writes -----------------------------------------------------------------------------------
    def import_indicators(
        self,
        items: Iterable[Mapping[str, Any]],
        *,
        defaults: Optional[Mapping[str, Any]] = None,
        guard: Optional[Guard] = None,
        max_changes: Optional[int] = None,
        dry_run: bool = False,
        progress: Optional[Progress] = None,
        now: Optional[datetime] = None,
    ) -> List[ItemResult]:
        """Validate and import any number of indicators in batches; one result per input item.

        A run that would change more than max_changes indicators sends nothing."""
        prepared = self.prepare(items, defaults=defaults, guard=guard, now=now)
        pending = [p for p in prepared if p.result is None]
        if max_changes is not None and len(pending) > max_changes:
            reason = (
                f"Nothing sent: {len(pending):,} indicators would change, more than --max-changes "
                f"{max_changes:,}."
            )
            settle(pending, Status.FAILED, reason, "max_changes")
        elif dry_run:
            settle(pending, Status.DRY_RUN, DRY_RUN_REASON)
        else:
            self.send_prepared(pending, progress=progress)
        return [p.result for p in prepared if p.result is not None]

    def send_prepared(
        self, pending: Sequence[Prepared], progress: Optional[Progress] = None
    ) -> None:
        """Import already validated items in schema-sized batches, settling each one's result."""
        size = self.model.operations["ImportIndicators"].batch_size or 1
        stop: Optional[MdeIndicatorsError] = None
        for start in range(0, len(pending), size):
            chunk = pending[start : start + size]
            if stop is None:
                stop = self._import_chunk(chunk)
            else:
                for p in chunk:
                    p.result = self._failed(p, stop)
            if progress:
                progress(len(chunk))

    def _import_chunk(self, chunk: Sequence[Prepared]) -> Optional[MdeIndicatorsError]:
        try:
            answers = self.client.import_batch([p.body for p in chunk])
        except BadRequest as exc:
            if len(chunk) == 1:
                chunk[0].result = self._failed(chunk[0], exc)
                return None
            # The whole batch was refused: split it to find the item(s) the service rejects.
            half = len(chunk) // 2
            return self._import_chunk(chunk[:half]) or self._import_chunk(chunk[half:])
        except MdeIndicatorsError as exc:
            for p in chunk:
                p.result = self._failed(p, exc)
            return exc if stops_the_run(exc) else None
        self._settle_import(chunk, answers)
        return None

    def _settle_import(self, chunk: Sequence[Prepared], answers: List[Dict[str, Any]]) -> None:
        keys = self.model.import_result
        if len(answers) != len(chunk):
            # Results should come back in input order; if not, pair them by value instead.
            queues: Dict[str, Deque[Dict[str, Any]]] = defaultdict(deque)
            for answer in answers:
                queues[str(answer.get(keys["value"], "")).lower()].append(answer)
            answers = [_pop(queues[p.body["indicatorValue"].lower()]) for p in chunk]
        for p, answer in zip(chunk, answers):
            if not answer:
                p.settle(
                    Status.FAILED,
                    code="no_result",
                    reason="MDE returned no result for this item.",
                )
            elif answer.get(keys["failed"]):
                p.settle(
                    Status.FAILED,
                    code="import_item_failed",
                    reason=str(answer.get(keys["reason"]) or "Import failed without a reason."),
                )
            else:
                p.settle(Status.SUBMITTED, indicator_id=str(answer.get(keys["id"]) or "") or None)

    def submit(
        self,
        item: Mapping[str, Any],
        *,
        defaults: Optional[Mapping[str, Any]] = None,
        guard: Optional[Guard] = None,
        dry_run: bool = False,
    ) -> ItemResult:
        """Submit one indicator with POST /api/indicators (submitted or updated)."""
        (entry,) = self.prepare([item], defaults=defaults, guard=guard)
        if entry.result is not None:
            return entry.result
        if dry_run:
            return entry.settle(Status.DRY_RUN, reason=DRY_RUN_REASON)
        try:
            entity = self.client.submit(entry.body)
        except MdeIndicatorsError as exc:
            return self._failed(entry, exc)
        status = Status.UPDATED if entity.get("lastUpdatedBy") else Status.SUBMITTED
        return entry.settle(status, indicator_id=str(entity.get("id")))

    def delete_ids(
        self, ids: Sequence[str], *, dry_run: bool = False, progress: Optional[Progress] = None
    ) -> List[ItemResult]:
        """Delete indicators by ID with BatchDelete (chunks); an unknown ID falls back to single deletes."""
        return Deleter(self.client, self.model, progress).delete_ids(ids, dry_run=dry_run)

    def find_ids(
        self, pairs: Sequence[Tuple[str, Optional[str]]]
    ) -> Dict[Tuple[str, Optional[str]], List[Dict[str, Any]]]:
        """Look up indicators by (normalised value, type or None), a few values per list call."""
        return Deleter(self.client, self.model).find_ids(pairs)

    def delete_values(
        self, values: Sequence[str], *, indicator_type: Optional[str] = None, dry_run: bool = False
    ) -> List[ItemResult]:
        """Delete every indicator matching each value (and type, when given): look up IDs, then delete."""
        return Deleter(self.client, self.model).delete_values(
            values, indicator_type=indicator_type, dry_run=dry_run
        )

    # -- helpers ----------------------------------------------------------------------------------
    def _failed(self, p: Prepared, exc: MdeIndicatorsError) -> ItemResult:
        return failure(
            p.index,
            p.checked.value,
            exc,
            indicator_type=p.body.get("indicatorType"),
            action=p.body.get("action"),
        )
