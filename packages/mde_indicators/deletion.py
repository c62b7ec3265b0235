"""Deleting indicators with per-item results: BatchDelete in schema-sized chunks, single deletes to
find the culprit when a batch is refused (BatchDelete is all or nothing), and lookup of IDs by value.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import odata
from .client import IndicatorsClient
from .errors import (
    AuthenticationError,
    BadRequest,
    MdeIndicatorsError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    TransportError,
)
from .model import Model
from .results import ItemResult, Status, failure
from .values import detect_type, normalise_value

Progress = Callable[[int], None]  # called with the number of items just settled
# Failures that will hit every later call too: stop and fail the rest with the same reason.
STOPPING = (AuthenticationError, PermissionDenied, RateLimited, TransportError)
# A 502/503/504 that outlasted the retry budget means the service is down, not that one batch was bad.
OUTAGE_STATUSES = (502, 503, 504)


def stops_the_run(exc: MdeIndicatorsError) -> bool:
    """Whether every later call would fail the same way, so the rest of the run should not be tried."""
    return isinstance(exc, STOPPING) or (
        isinstance(exc, ServerError) and exc.status in OUTAGE_STATUSES
    )


LOOKUP_CHUNK = 25


class Deleter:
    def __init__(
        self, client: IndicatorsClient, model: Model, progress: Optional[Progress] = None
    ) -> None:
        self.client = client
        self.model = model
        self.progress = progress

    def delete_ids(self, ids: Sequence[str], *, dry_run: bool = False) -> List[ItemResult]:
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
            self._delete_chunks(todo, results)
        return [r for r in results if r is not None]

    def _delete_chunks(
        self,
        todo: List[Tuple[int, str]],
        results: List[Optional[ItemResult]],
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
            if self.progress:
                self.progress(len(chunk))

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
            return exc if stops_the_run(exc) else None
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
                if stops_the_run(exc):
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
        for start in range(0, len(values), LOOKUP_CHUNK):
            chunk = values[start : start + LOOKUP_CHUNK]
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
