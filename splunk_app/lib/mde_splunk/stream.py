"""Order-keeping row buffer for the streaming write commands: rows wait until their items are settled.

splunklib calls stream() once per chunk and replies to every chunk, so rows may be held across chunks and
returned with a later reply. Items are sent when a batch is full, when rows waited max_wait seconds, when
max_rows rows are held, or when the search ends; rows then leave in input order, each with its status.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from mde_indicators.results import ItemResult


@dataclass
class Item:
    """One indicator (or ID) of a row: settled at once (result set) or waiting to be sent (payload).

    local marks a result decided in this process (invalid, duplicate): the caller audits it, since the
    REST handler audits only what it was sent."""

    payload: Any = None
    result: Optional[ItemResult] = None
    key: Optional[Tuple[Any, ...]] = None
    local: bool = False


@dataclass
class Row:
    number: int
    record: Dict[str, Any]
    items: List[Item] = field(default_factory=list)


class RowBuffer:
    def __init__(
        self,
        batch_size: int,
        send: Callable[[List[Item]], None],
        *,
        max_wait: float = 10.0,
        max_rows: Optional[int] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.batch_size = batch_size
        self.send = send
        self.max_wait = max_wait
        self.max_rows = max_rows or batch_size * 10
        self.clock = clock
        self.rows: List[Row] = []
        self.pending: List[Item] = []
        self.since: Optional[float] = None
        self.batches = 0

    def add(self, row: Row) -> List[Row]:
        """Hold row; return the rows that are ready (possibly none) in input order."""
        self.rows.append(row)
        for item in row.items:
            if item.result is None:
                self.pending.append(item)
                if self.since is None:
                    self.since = self.clock()
                if len(self.pending) >= self.batch_size:
                    self._send()
        if not self.pending or len(self.rows) >= self.max_rows or self.overdue():
            return self.drain()
        return []

    def overdue(self) -> bool:
        return self.since is not None and self.clock() - self.since >= self.max_wait

    def drain(self) -> List[Row]:
        """Send whatever waits and return every held row."""
        while self.pending:
            self._send()
        ready, self.rows = self.rows, []
        return ready

    def _send(self) -> None:
        batch, self.pending = self.pending[: self.batch_size], self.pending[self.batch_size :]
        self.batches += 1
        self.send(batch)
        if not self.pending:
            self.since = None
