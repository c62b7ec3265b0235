"""Many-item operations with per-item results: prepare (pipeline.py), batch, send, align results.

Every input item ends with one ItemResult. A failure that will hit every later call too (sign-in,
permission, throttling beyond the budget, network down: the error's `stops_run`) stops the run and
fails the rest with its reason.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import datetime
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set

from .client import IndicatorsClient
from .deletion import Deleter
from .errors import BadRequest, ConfigurationError, MdeIndicatorsError
from .identity import key_of
from .model import Model, load_model
from .ownership import Ownership
from .pipeline import DRY_RUN_REASON, Guard, Prepared, prepare, settle
from .redact import upstream_text
from .results import ItemResult, Progress, Status, failure

RESEND = "Import it again: imports are upserts, so a second delivery changes nothing."


def answer_key(model: Model, value: Any) -> str:
    """What an import result and its item are paired on: the value, as an untyped identity (MDE's
    per-item results carry the value but not the type)."""
    return key_of(model, None, str(value)).value


def import_batches(model: Model, pending: Sequence[Prepared], size: int) -> List[List[Prepared]]:
    """Batches of at most size items in input order, where no two items of a batch share a value (a
    SHA-1 and a certificate thumbprint can): then every per-item result names exactly one item."""
    batches: List[List[Prepared]] = []
    values: List[Set[str]] = []
    first_open = 0
    for p in pending:
        key = answer_key(model, p.body["indicatorValue"])
        while first_open < len(batches) and len(batches[first_open]) >= size:
            first_open += 1
        target = next(
            (
                i
                for i in range(first_open, len(batches))
                if len(batches[i]) < size and key not in values[i]
            ),
            None,
        )
        if target is None:
            batches.append([])
            values.append(set())
            target = len(batches) - 1
        batches[target].append(p)
        values[target].add(key)
    return batches


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
        return prepare(items, self.model, defaults=defaults, guard=guard, now=now)

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
        owner: Optional[Ownership] = None,
    ) -> List[ItemResult]:
        """Validate and import any number of indicators in batches; one result per input item.

        A run that would change more than max_changes indicators sends nothing; owner marks every
        indicator sent as the caller's (ownership.Ownership.stamp)."""
        prepared = self.prepare(items, defaults=defaults, guard=guard, now=now)
        pending = [p for p in prepared if p.result is None]
        if owner:
            for p in pending:
                p.body = owner.stamp(p.body, self.model)
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
        for chunk in import_batches(self.model, pending, size):
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
            return exc if exc.stops_run else None
        self._settle_import(chunk, answers)
        return None

    def _settle_import(self, chunk: Sequence[Prepared], answers: List[Dict[str, Any]]) -> None:
        """Pair each item with the result that names its value; an item with none, or with several,
        is failed with the reason rather than given a result that may be another item's."""
        keys = self.model.import_result
        found: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
        for answer in answers:
            value = answer.get(keys["value"])
            if isinstance(value, str) and value.strip():
                found[answer_key(self.model, value)].append(answer)
        for p in chunk:
            mine = found.get(answer_key(self.model, p.body["indicatorValue"]), [])
            if len(mine) != 1:
                what = (
                    "MDE returned no result for this item"
                    if not mine
                    else f"MDE returned {len(mine)} results for this value and which is this "
                    "item's cannot be told"
                )
                code = "no_result" if not mine else "ambiguous_result"
                p.settle(Status.FAILED, code=code, reason=f"{what}. {RESEND}", retryable=True)
                continue
            answer = mine[0]
            failed = answer.get(keys["failed"])
            if failed is True:
                reason = (
                    upstream_text(answer.get(keys["reason"])) or "Import failed without a reason."
                )
                p.settle(Status.FAILED, code="import_item_failed", reason=reason)
            elif failed is False:
                indicator_id = answer.get(keys["id"])
                p.settle(
                    Status.SUBMITTED,
                    indicator_id=upstream_text(indicator_id, 100) if indicator_id else None,
                )
            else:
                reason = f"MDE's result for this item does not say whether it failed. {RESEND}"
                p.settle(Status.FAILED, code="malformed_result", reason=reason, retryable=True)

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
        self,
        ids: Sequence[str],
        *,
        dry_run: bool = False,
        max_changes: Optional[int] = None,
        progress: Optional[Progress] = None,
    ) -> List[ItemResult]:
        """Delete indicators by ID with BatchDelete (chunks); an unknown ID falls back to single deletes."""
        return self._limited(
            lambda dry: Deleter(self.client, self.model, progress).delete_ids(ids, dry_run=dry),
            dry_run,
            max_changes,
        )

    def delete_values(
        self,
        values: Sequence[str],
        *,
        indicator_type: Optional[str] = None,
        dry_run: bool = False,
        max_changes: Optional[int] = None,
        detected_type: bool = False,
        owner: Optional[Ownership] = None,
    ) -> List[ItemResult]:
        """Delete every indicator matching each value (and type, when given): look up IDs, then delete.

        detected_type and owner as in deletion.Deleter.delete_values (by detected type; only owned)."""
        return self._limited(
            lambda dry: Deleter(self.client, self.model).delete_values(
                values,
                indicator_type=indicator_type,
                dry_run=dry,
                detected_type=detected_type,
                owner=owner,
            ),
            dry_run,
            max_changes,
        )

    @staticmethod
    def _limited(
        run: Callable[[bool], List[ItemResult]], dry_run: bool, max_changes: Optional[int]
    ) -> List[ItemResult]:
        """Run a deletion; with max_changes, a dry run first counts what would go, and over the limit
        nothing is deleted and every item that would have gone fails with the reason."""
        if max_changes is None:
            return run(dry_run)
        planned = run(True)
        doomed = sum(
            len((r.indicator_id or "").split(",")) for r in planned if r.status is Status.DRY_RUN
        )
        if doomed > max_changes:
            reason = (
                f"Nothing deleted: {doomed:,} indicators would go, more than --max-changes "
                f"{max_changes:,}."
            )
            return [
                dataclasses.replace(
                    r, status=Status.FAILED, reason_code="max_changes", reason=reason
                )
                if r.status is Status.DRY_RUN
                else r
                for r in planned
            ]
        return planned if dry_run else run(False)

    # -- helpers ----------------------------------------------------------------------------------
    def _failed(self, p: Prepared, exc: MdeIndicatorsError) -> ItemResult:
        return failure(
            p.index,
            p.checked.value,
            exc,
            indicator_type=p.body.get("indicatorType"),
            action=p.body.get("action"),
        )
