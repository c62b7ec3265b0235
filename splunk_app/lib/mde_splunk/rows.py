"""Results of write operations as Splunk fields: mde_status, mde_indicator_id, mde_error … on every row."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

from mde_indicators.results import Status

from .spec import STATUS_FIELDS
from .stream import Item, Row


def settled(status: Status, reason: str, value: str = "", **extra: Any) -> Dict[str, Any]:
    """A result decided locally (invalid, duplicate) in the shape the REST handler returns."""
    return {"status": status.value, "reason": reason, "value": value, "origin": "local", **extra}


def failed(reason: str, **extra: Any) -> Dict[str, Any]:
    return {"status": Status.FAILED.value, "reason": reason, **extra}


def error_text(result: Dict[str, Any]) -> str:
    """The reason, with the HTTP status and request id a support case needs."""
    text = str(result.get("reason") or "")
    if result.get("http_status") and result.get("status") == Status.FAILED.value:
        text = f"HTTP {result['http_status']}: {text}"
    if result.get("request_id"):
        text += f" (request id {result['request_id']})"
    return text


def _column(values: List[str]) -> Any:
    return values[0] if len(values) == 1 else values


def apply(record: Dict[str, Any], items: List[Item]) -> Dict[str, Any]:
    """Set every status field on record from its items (a multivalue field gives multivalue statuses)."""
    results = [item.result or {} for item in items]
    if not results:
        results = [{}]
    columns: Dict[str, List[str]] = {name: [] for name in STATUS_FIELDS}
    for result in results:
        values = [
            str(result.get("status") or ""),
            str(result.get("indicator_id") or ""),
            error_text(result),
            str(result.get("value") or ""),
            str(result.get("indicator_type") or ""),
            str(result.get("action") or ""),
        ]
        for name, value in zip(STATUS_FIELDS, values):
            columns[name].append(value)
    for name in STATUS_FIELDS:
        record[name] = _column(columns[name])
    return record


def output(rows: List[Row]) -> List[Dict[str, Any]]:
    """Records for rows, each with the status fields and every field any of them has.

    splunklib takes a reply's columns from its first record; rows held over from an earlier chunk may lack
    fields of later ones, so missing fields are set empty rather than silently dropped.
    """
    records = [apply(row.record, row.items) for row in rows]
    names: Dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    for record in records:
        for name in names:
            record.setdefault(name, None)
    return records


def values_of(record: Dict[str, Any], field: str) -> List[str]:
    """The values of a (possibly multivalue) field, blanks dropped."""
    raw: Optional[Any] = record.get(field)
    if raw is None:
        return []
    values = raw if isinstance(raw, list) else [raw]
    return [str(v).strip() for v in values if str(v).strip()]


def sender(
    send: Callable[[List[Any]], List[Dict[str, Any]]],
    describe: Callable[[Any], Dict[str, Any]],
    *,
    preview: bool = False,
) -> Callable[[List[Item]], None]:
    """Settle a batch of items through send(payloads); a failed call fails each item with its reason."""

    def run(items: List[Item]) -> None:
        if preview:
            for item in items:
                reason = "Preview: nothing is sent until the search completes."
                item.result = {
                    "status": Status.DRY_RUN.value,
                    "reason": reason,
                    **describe(item.payload),
                }
            return
        try:
            results: List[Optional[Dict[str, Any]]] = list(send([i.payload for i in items]))
        except Exception as exc:
            results = [failed(str(exc) or type(exc).__name__, **describe(i.payload)) for i in items]
        results += [None] * (len(items) - len(results))
        for item, result in zip(items, results):
            item.result = result or failed(
                "No result came back for this item.", **describe(item.payload)
            )

    return run
