"""Results of write operations as Splunk fields: mde_status, mde_indicator_id, mde_error … on every row."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

from mde_indicators.results import ItemResult, Status

from .spec import STATUS_FIELDS
from .stream import Item, Row


def settled(status: Status, reason: str, value: str = "", **extra: Any) -> Item:
    """An item decided here (invalid, duplicate), before anything is sent."""
    return Item(result=ItemResult(0, value, status, reason=reason, **extra), local=True)


def failed(reason: str, **extra: Any) -> ItemResult:
    return ItemResult(0, str(extra.pop("value", "") or ""), Status.FAILED, reason=reason, **extra)


def error_text(result: ItemResult) -> str:
    """The reason, with the HTTP status and request id a support case needs."""
    text = result.reason or ""
    if result.http_status and result.status is Status.FAILED:
        text = f"HTTP {result.http_status}: {text}"
    if result.request_id:
        text += f" (request id {result.request_id})"
    return text


def _column(values: List[str]) -> Any:
    return values[0] if len(values) == 1 else values


def apply(record: Dict[str, Any], items: List[Item]) -> Dict[str, Any]:
    """Set every status field on record from its items (a multivalue field gives multivalue statuses)."""
    results = [item.result for item in items]
    columns: Dict[str, List[str]] = {name: [] for name in STATUS_FIELDS}
    for result in results or [None]:
        values = (
            [
                result.status.value,
                result.indicator_id or "",
                error_text(result),
                result.value or "",
                result.indicator_type or "",
                result.action or "",
            ]
            if result is not None
            else [""] * len(STATUS_FIELDS)
        )
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
                item.result = ItemResult(
                    0, status=Status.DRY_RUN, reason=reason, **describe(item.payload)
                )
            return
        try:
            answers: List[Optional[Dict[str, Any]]] = list(send([i.payload for i in items]))
        except Exception as exc:
            answers = [None] * len(items)
            reason = str(exc) or type(exc).__name__
        else:
            reason = "No result came back for this item."
        answers += [None] * (len(items) - len(answers))
        for item, answer in zip(items, answers):
            item.result = (
                ItemResult.from_dict(answer) if answer else failed(reason, **describe(item.payload))
            )

    return run
