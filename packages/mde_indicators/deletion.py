"""Deleting indicators with per-item results: BatchDelete in schema-sized chunks, single deletes to
find the culprit when a batch is refused (BatchDelete is all or nothing), and lookup of IDs by value.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import odata
from .client import IndicatorsClient
from .errors import BadRequest, MdeIndicatorsError, NotFound, PermissionDenied
from .identity import IndicatorKey, key_of
from .model import Model
from .ownership import Ownership
from .results import ItemResult, Progress, Status, failure
from .values import detect_type, normalise_value

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
            return exc if exc.stops_run else None
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
                if exc.stops_run:
                    for j, w in chunk[n + 1 :]:
                        results[j] = failure(j, w, exc, indicator_id=w)
                    return exc
        return None

    def find_ids(
        self, wanted: Sequence[Tuple[IndicatorKey, str]]
    ) -> Dict[IndicatorKey, List[Dict[str, Any]]]:
        """The indicators matching each (identity, value to look up), a few values per list call.

        An identity without a type matches the value under any type; rows are keyed with the same case
        rule as ours, so a value MDE stores in another letter case still matches."""
        found: Dict[IndicatorKey, List[Dict[str, Any]]] = {key: [] for key, _ in wanted}
        values = list(dict.fromkeys(v for _, v in wanted))
        for start in range(0, len(values), LOOKUP_CHUNK):
            chunk = values[start : start + LOOKUP_CHUNK]
            for row in self.client.iter_indicators(
                odata.any_of("indicatorValue", chunk, self.model)
            ):
                row_type = row.get("indicatorType")
                key = key_of(self.model, row_type, str(row.get("indicatorValue", "")))
                for candidate in (key, IndicatorKey(None, key.value)):
                    if candidate in found:
                        found[candidate].append(row)
        return found

    def delete_values(
        self,
        values: Sequence[str],
        *,
        indicator_type: Optional[str] = None,
        dry_run: bool = False,
        detected_type: bool = False,
        owner: Optional[Ownership] = None,
    ) -> List[ItemResult]:
        """Delete every indicator matching each value (and type, when given): look up IDs, then delete.

        detected_type: a value without a given type matches only indicators of its detected type (else
        any type). owner: only indicators it owns go (its tag or application); the others are left
        alone (skipped, not_owned) and named in the reason."""
        results: List[Optional[ItemResult]] = [None] * len(values)
        wanted: List[Tuple[int, str, str]] = []
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
        keys = {
            i: key_of(self.model, t, v)._replace(
                indicator_type=indicator_type or (t if detected_type else None)
            )
            for i, v, t in wanted
        }
        try:
            found = self.find_ids([(keys[i], v) for i, v, _ in wanted]) if wanted else {}
        except MdeIndicatorsError as exc:
            for i, v, t in wanted:
                results[i] = failure(i, v, exc, indicator_type=t)
            return [r for r in results if r is not None]
        ids: List[str] = []
        owners: Dict[str, int] = {}
        spared: Dict[int, List[Dict[str, Any]]] = {}
        for i, v, t in wanted:
            rows = found.get(keys[i], [])
            if owner is not None:
                spared[i] = [r for r in rows if not owner.owns(r)]
                rows = [r for r in rows if owner.owns(r)]
            if not rows:
                results[i] = self._not_deleted(i, v, t, spared.get(i), owner)
            for row in rows:
                ids.append(str(row["id"]))
                owners[str(row["id"])] = i
        deleted = self.delete_ids(ids, dry_run=dry_run)
        for i, v, t in wanted:
            mine = [r for r in deleted if owners.get(r.value) == i]
            if mine:
                worst = next((r for r in mine if not r.ok), mine[0])
                reason = worst.reason
                if spared.get(i):
                    left = f"Left alone as not owned: {_others(spared[i])}."
                    reason = f"{reason} {left}" if reason else left
                results[i] = ItemResult(
                    i,
                    v,
                    worst.status,
                    indicator_type=t,
                    indicator_id=",".join(r.value for r in mine),
                    reason_code=worst.reason_code,
                    reason=reason,
                    http_status=worst.http_status,
                    request_id=worst.request_id,
                )
        return [r for r in results if r is not None]

    @staticmethod
    def _not_deleted(
        i: int,
        value: str,
        itype: str,
        spared: Optional[List[Dict[str, Any]]],
        owner: Optional[Ownership],
    ) -> ItemResult:
        """Nothing to delete: no indicator at all, or only ones other applications own."""
        if spared:
            mine = owner.describe() if owner is not None else "of any owner"
            reason = f"Left alone: {_others(spared)}; only indicators {mine} are deleted here."
            return ItemResult(
                i,
                value,
                Status.SKIPPED,
                indicator_type=itype,
                indicator_id=",".join(str(r.get("id")) for r in spared),
                reason_code="not_owned",
                reason=reason,
            )
        return ItemResult(
            i,
            value,
            Status.NOT_FOUND,
            indicator_type=itype,
            reason_code="not_found",
            reason="No indicator with this value is visible to this application.",
        )


def _others(rows: Sequence[Dict[str, Any]]) -> str:
    """Indicators of other applications, by ID and application."""
    return ", ".join(
        f"indicator {r.get('id')} "
        + (f"of application {r['application']!r}" if r.get("application") else "of no application")
        for r in rows
    )
