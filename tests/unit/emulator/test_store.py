"""The store's active-indicator count (the cap's input) follows inserts, deletes, expiry and clears per
tenant, and a data file reopened later (or written before the count was kept) counts right."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Optional

from mde_emulator.store import Store, service_time
from mde_indicators.model import load_model


def row(n: int, expires: Optional[timedelta] = None) -> Dict[str, Any]:
    entity: Dict[str, Any] = {
        "indicatorValue": f"{n:064x}",
        "indicatorType": "FileSha256",
        "action": "Block",
        "createdBy": "app",
    }
    if expires is not None:
        entity["expirationTime"] = service_time(datetime.now(timezone.utc) + expires)
    return entity


def fill(
    store: Store, tenant: str, count: int, start: int = 0, expires: Optional[timedelta] = None
) -> list:
    with store.tx() as db:
        return [int(store.insert(db, tenant, row(start + n, expires))) for n in range(count)]


def test_the_active_count_follows_inserts_deletes_expiry_and_clears_per_tenant() -> None:
    store = Store(":memory:", load_model())
    ids = fill(store, "a", 5)
    fill(store, "a", 2, start=100, expires=timedelta(days=-1))  # already expired
    fill(store, "a", 1, start=200, expires=timedelta(days=30))
    fill(store, "b", 3)
    assert (store.active_count("a"), store.active_count("b"), store.active_count("c")) == (6, 3, 0)
    with store.tx() as db:
        store.delete(db, ids[:2])
    assert store.active_count("a") == 4
    store.purge_expired()
    assert store.active_count("a") == 4
    store.clear()
    assert (store.active_count("a"), store.active_count("b")) == (0, 0)


def test_a_rolled_back_write_leaves_the_count_alone() -> None:
    store = Store(":memory:", load_model())
    fill(store, "a", 2)
    try:
        with store.tx() as db:
            store.insert(db, "a", row(50))
            raise RuntimeError("refused mid-batch")
    except RuntimeError:
        pass
    assert store.active_count("a") == 2


def test_a_data_file_reopened_or_written_before_the_count_existed_counts_right(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "mde.db")
    store = Store(path, load_model())
    fill(store, "a", 4)
    store.close()
    legacy = sqlite3.connect(path)
    legacy.execute("DROP TRIGGER tenant_rows_insert")
    legacy.execute("DROP TABLE tenant_rows")
    legacy.commit()
    legacy.close()
    reopened = Store(path, load_model())
    assert reopened.active_count("a") == 4
    fill(reopened, "a", 1, start=10)
    assert reopened.active_count("a") == 5
