"""Many-item operations with per-item results: validate, de-duplicate, guard, batch, send, align results.

Every input item ends with one ItemResult. A failure that will hit every later call too (sign-in,
permission, throttling beyond the budget, network down) stops the run and fails the rest with its reason.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Deque, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from . import odata
from .client import IndicatorsClient
from .errors import (
    ApiError,
    AuthenticationError,
    BadRequest,
    ConfigurationError,
    MdeIndicatorsError,
    NotFound,
    PermissionDenied,
    RateLimited,
    TransportError,
)
from .model import Model, load_model
from .problems import REJECTED, Problem, split_meta
from .results import ItemResult, Status
from .validate import Checked, validate_indicator
from .values import detect_type, normalise_value

Guard = Callable[[str, str], Optional[str]]
Progress = Callable[[int], None]  # called with the number of items just settled
_STOPPING = (AuthenticationError, PermissionDenied, RateLimited, TransportError)
_LOOKUP_CHUNK = 25


@dataclass
class Prepared:
    """An input item after validation, ready to send (body) or already settled (result)."""

    index: int
    checked: Checked
    result: Optional[ItemResult] = None
    body: Dict[str, Any] = field(default_factory=dict)


def failure(index: int, value: str, exc: MdeIndicatorsError, **kw: Any) -> ItemResult:
    return ItemResult(
        index=index,
        value=value,
        status=Status.FAILED,
        reason_code=exc.code or type(exc).__name__,
        reason=exc.message,
        http_status=exc.status,
        request_id=exc.request_id,
        retry_after=getattr(exc, "retry_after", None),
        **kw,
    )


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
                protected = guard(body["indicatorValue"], body["indicatorType"]) if guard else None
                if key in seen:
                    entry.result = ItemResult(
                        index,
                        checked.value,
                        Status.DUPLICATE,
                        reason_code="duplicate",
                        reason=f"Same indicator as item {seen[key] + 1}.",
                        **base,
                    )
                elif protected:
                    entry.result = ItemResult(
                        index,
                        checked.value,
                        Status.PROTECTED,
                        reason_code="protected",
                        reason=protected,
                        **base,
                    )
                else:
                    seen[key] = index
                    entry.body = body
            prepared.append(entry)
        return prepared

    # -- writes -----------------------------------------------------------------------------------
    def import_indicators(
        self,
        items: Iterable[Mapping[str, Any]],
        *,
        defaults: Optional[Mapping[str, Any]] = None,
        guard: Optional[Guard] = None,
        dry_run: bool = False,
        now: Optional[datetime] = None,
    ) -> List[ItemResult]:
        """Validate and import any number of indicators in batches; one result per input item."""
        prepared = self.prepare(items, defaults=defaults, guard=guard, now=now)
        pending = [p for p in prepared if p.result is None]
        if dry_run:
            for p in pending:
                p.result = self._result(p, Status.DRY_RUN, reason="Valid; not sent (dry run).")
        else:
            self.send_prepared(pending)
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
        except _STOPPING as exc:
            for p in chunk:
                p.result = self._failed(p, exc)
            return exc
        except BadRequest as exc:
            if len(chunk) == 1:
                chunk[0].result = self._failed(chunk[0], exc)
                return None
            # The whole batch was refused: split it to find the item(s) the service rejects.
            half = len(chunk) // 2
            return self._import_chunk(chunk[:half]) or self._import_chunk(chunk[half:])
        except ApiError as exc:
            for p in chunk:
                p.result = self._failed(p, exc)
            return None
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
                p.result = self._result(
                    p,
                    Status.FAILED,
                    code="no_result",
                    reason="MDE returned no result for this item.",
                )
            elif answer.get(keys["failed"]):
                p.result = self._result(
                    p,
                    Status.FAILED,
                    code="import_item_failed",
                    reason=str(answer.get(keys["reason"]) or "Import failed without a reason."),
                )
            else:
                p.result = self._result(
                    p, Status.SUBMITTED, indicator_id=str(answer.get(keys["id"]) or "") or None
                )

    def submit(
        self,
        item: Mapping[str, Any],
        *,
        defaults: Optional[Mapping[str, Any]] = None,
        dry_run: bool = False,
    ) -> ItemResult:
        """Submit one indicator with POST /api/indicators (submitted or updated)."""
        (entry,) = self.prepare([item], defaults=defaults)
        if entry.result is not None:
            return entry.result
        if dry_run:
            return self._result(entry, Status.DRY_RUN, reason="Valid; not sent (dry run).")
        try:
            entity = self.client.submit(entry.body)
        except MdeIndicatorsError as exc:
            return self._failed(entry, exc)
        status = Status.UPDATED if entity.get("lastUpdatedBy") else Status.SUBMITTED
        return self._result(entry, status, indicator_id=str(entity.get("id")))

    def delete_ids(
        self, ids: Sequence[str], *, dry_run: bool = False, progress: Optional[Progress] = None
    ) -> List[ItemResult]:
        """Delete indicators by ID with BatchDelete (chunks); an unknown ID falls back to single deletes."""
        results: List[Optional[ItemResult]] = [None] * len(ids)
        todo: List[Tuple[int, str]] = []
        seen: Dict[str, int] = {}
        for i, raw in enumerate(ids):
            value = str(raw).strip()
            if not value.isdigit():
                results[i] = ItemResult(
                    i,
                    value,
                    Status.INVALID,
                    reason_code="invalid_id",
                    reason=f"'{value}' is not an indicator ID (a number).",
                )
            elif value in seen:
                results[i] = ItemResult(
                    i,
                    value,
                    Status.DUPLICATE,
                    reason_code="duplicate",
                    reason=f"Same ID as item {seen[value] + 1}.",
                )
            else:
                seen[value] = i
                todo.append((i, value))
        if dry_run:
            for i, value in todo:
                results[i] = ItemResult(
                    i, value, Status.DRY_RUN, indicator_id=value, reason="Not deleted (dry run)."
                )
        else:
            self._delete_chunks(todo, results, progress)
        return [r for r in results if r is not None]

    def _delete_chunks(
        self,
        todo: List[Tuple[int, str]],
        results: List[Optional[ItemResult]],
        progress: Optional[Progress] = None,
    ) -> None:
        size = self.model.operations["BatchDeleteIndicators"].batch_size or 1
        stop: Optional[MdeIndicatorsError] = None
        for start in range(0, len(todo), size):
            chunk = todo[start : start + size]
            if stop is not None:
                for i, v in chunk:
                    results[i] = failure(i, v, stop, indicator_id=v)
            else:
                stop = self._delete_chunk(chunk, results)
            if progress:
                progress(len(chunk))

    def _delete_chunk(
        self, chunk: List[Tuple[int, str]], results: List[Optional[ItemResult]]
    ) -> Optional[MdeIndicatorsError]:
        try:
            self.client.batch_delete([v for _, v in chunk])
        except (NotFound, PermissionDenied, BadRequest):
            # BatchDelete is all or nothing: find out item by item which IDs are the problem.
            return self._delete_singly(chunk, results)
        except MdeIndicatorsError as exc:
            for i, v in chunk:
                results[i] = failure(i, v, exc, indicator_id=v)
            return exc if isinstance(exc, _STOPPING) else None
        for i, v in chunk:
            results[i] = ItemResult(i, v, Status.DELETED, indicator_id=v)
        return None

    def _delete_singly(
        self, chunk: List[Tuple[int, str]], results: List[Optional[ItemResult]]
    ) -> Optional[MdeIndicatorsError]:
        for n, (i, v) in enumerate(chunk):
            try:
                self.client.delete(v)
                results[i] = ItemResult(i, v, Status.DELETED, indicator_id=v)
            except NotFound as exc:
                results[i] = ItemResult(
                    i,
                    v,
                    Status.NOT_FOUND,
                    indicator_id=v,
                    reason_code=exc.code or "NotFound",
                    reason="No indicator with this ID is visible to this application.",
                    http_status=404,
                    request_id=exc.request_id,
                )
            except MdeIndicatorsError as exc:
                results[i] = failure(i, v, exc, indicator_id=v)
                if isinstance(exc, _STOPPING):
                    for j, w in chunk[n + 1 :]:
                        results[j] = failure(j, w, exc, indicator_id=w)
                    return exc
        return None

    def find_ids(
        self, pairs: Sequence[Tuple[str, Optional[str]]]
    ) -> Dict[Tuple[str, Optional[str]], List[Dict[str, Any]]]:
        """Look up indicators by (normalised value, type or None), a few values per list call."""
        found: Dict[Tuple[str, Optional[str]], List[Dict[str, Any]]] = {p: [] for p in pairs}
        values = list(dict.fromkeys(v for v, _ in pairs))
        for start in range(0, len(values), _LOOKUP_CHUNK):
            chunk = values[start : start + _LOOKUP_CHUNK]
            for row in self.client.iter_indicators(
                odata.any_of("indicatorValue", chunk, self.model)
            ):
                value = str(row.get("indicatorValue", "")).lower()
                for key in ((value, row.get("indicatorType")), (value, None)):
                    if key in found:
                        found[key].append(row)
        return found

    def delete_values(
        self, values: Sequence[str], *, indicator_type: Optional[str] = None, dry_run: bool = False
    ) -> List[ItemResult]:
        """Delete every indicator matching each value (and type, when given): look up IDs, then delete."""
        results: List[Optional[ItemResult]] = [None] * len(values)
        wanted: List[Tuple[int, str, Optional[str]]] = []
        for i, raw in enumerate(values):
            itype = indicator_type or detect_type(self.model, str(raw))
            if itype is None or itype not in self.model.indicator_types:
                results[i] = ItemResult(
                    i,
                    str(raw),
                    Status.INVALID,
                    reason_code="type_undetected",
                    reason="Cannot tell the indicator type of this value; give the type.",
                )
                continue
            value, problems = normalise_value(self.model.indicator_types[itype], str(raw))
            if value is None:
                results[i] = ItemResult(
                    i,
                    str(raw),
                    Status.INVALID,
                    indicator_type=itype,
                    reason_code=",".join(p.code for p in problems),
                    reason="; ".join(p.message for p in problems),
                )
                continue
            wanted.append((i, value, itype))
        try:
            found = (
                self.find_ids([(v.lower(), indicator_type) for _, v, _ in wanted]) if wanted else {}
            )
        except MdeIndicatorsError as exc:
            for i, v, t in wanted:
                results[i] = failure(i, v, exc, indicator_type=t)
            return [r for r in results if r is not None]
        ids: List[str] = []
        owners: Dict[str, int] = {}
        for i, v, t in wanted:
            rows = found.get((v.lower(), indicator_type), [])
            if not rows:
                results[i] = ItemResult(
                    i,
                    v,
                    Status.NOT_FOUND,
                    indicator_type=t,
                    reason_code="not_found",
                    reason="No indicator with this value is visible to this application.",
                )
            for row in rows:
                ids.append(str(row["id"]))
                owners[str(row["id"])] = i
        deleted = self.delete_ids(ids, dry_run=dry_run)
        for i, v, t in wanted:
            mine = [r for r in deleted if owners.get(r.value) == i]
            if mine:
                worst = next((r for r in mine if not r.ok), mine[0])
                results[i] = ItemResult(
                    i,
                    v,
                    worst.status,
                    indicator_type=t,
                    indicator_id=",".join(r.value for r in mine),
                    reason_code=worst.reason_code,
                    reason=worst.reason,
                    http_status=worst.http_status,
                    request_id=worst.request_id,
                )
        return [r for r in results if r is not None]

    # -- helpers ----------------------------------------------------------------------------------
    def _result(
        self,
        p: Prepared,
        status: Status,
        *,
        indicator_id: Optional[str] = None,
        code: Optional[str] = None,
        reason: Optional[str] = None,
    ) -> ItemResult:
        return ItemResult(
            p.index,
            p.checked.value,
            status,
            indicator_type=p.body.get("indicatorType"),
            action=p.body.get("action"),
            indicator_id=indicator_id,
            reason_code=code,
            reason=reason,
        )

    def _failed(self, p: Prepared, exc: MdeIndicatorsError) -> ItemResult:
        return failure(
            p.index,
            p.checked.value,
            exc,
            indicator_type=p.body.get("indicatorType"),
            action=p.body.get("action"),
        )
