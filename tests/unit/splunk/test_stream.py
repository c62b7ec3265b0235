"""The streaming commands' row buffer and result columns."""

from __future__ import annotations

from typing import List

from mde_indicators.results import ItemResult, Status
from mde_splunk.rows import output
from mde_splunk.stream import Item, Row, RowBuffer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make(number: int, pending: int = 1, settled: int = 0) -> Row:
    items = [Item(payload=f"{number}-{i}") for i in range(pending)]
    items += [Item(result=ItemResult(0, "", Status.INVALID)) for _ in range(settled)]
    return Row(number, {"n": number}, items)


def sent_ok(batches: List[List[str]]):
    def send(items: List[Item]) -> None:
        batches.append([i.payload for i in items])
        for item in items:
            item.result = ItemResult(0, "", Status.SUBMITTED, indicator_id=item.payload)

    return send


def test_rows_wait_until_a_batch_is_full_and_leave_in_order() -> None:
    batches: List[List[str]] = []
    buffer = RowBuffer(3, sent_ok(batches), clock=Clock())
    out = []
    for n in range(1, 8):
        out += buffer.add(make(n))
    assert [len(b) for b in batches] == [3, 3]
    assert [r.number for r in out] == [1, 2, 3, 4, 5, 6]
    out += buffer.drain()
    assert [r.number for r in out] == list(range(1, 8)) and [len(b) for b in batches] == [3, 3, 1]
    assert all(i.result for r in out for i in r.items)


def test_settled_rows_behind_a_waiting_row_keep_their_place() -> None:
    buffer = RowBuffer(10, sent_ok([]), clock=Clock())
    assert buffer.add(make(1, pending=0, settled=1))[0].number == 1
    assert buffer.add(make(2)) == []
    assert buffer.add(make(3, pending=0, settled=1)) == []
    assert [r.number for r in buffer.drain()] == [2, 3]


def test_rows_are_not_held_longer_than_max_wait() -> None:
    clock = Clock()
    batches: List[List[str]] = []
    buffer = RowBuffer(500, sent_ok(batches), max_wait=10, clock=clock)
    assert buffer.add(make(1)) == []
    clock.now = 11
    assert buffer.overdue()
    assert [r.number for r in buffer.add(make(2))] == [1, 2]
    assert batches == [["1-0", "2-0"]]


def test_a_row_with_a_multivalue_field_gets_multivalue_statuses() -> None:
    row = make(1, pending=2)
    for item in row.items:
        item.result = ItemResult(0, "", Status.SUBMITTED, indicator_id=item.payload)
    (record,) = output([row])
    assert record["mde_status"] == ["submitted", "submitted"]
    assert record["mde_indicator_id"] == ["1-0", "1-1"]


def test_fields_of_later_rows_are_set_on_every_row_so_none_is_dropped() -> None:
    first, second = make(1, 0, 1), make(2, 0, 1)
    second.record["only_later"] = "x"
    records = output([first, second])
    assert set(records[0]) == set(records[1])
    assert records[0]["only_later"] is None and records[1]["only_later"] == "x"
