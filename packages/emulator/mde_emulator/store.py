"""SQLite storage for the emulator: indicators per tenant, registered apps and the id counter.

One connection guarded by a lock (the server is threaded); timestamps are stored in the service's
sortable form so that OData comparisons work on the text columns. Lists walk an index in id order and
stop at the page; triggers keep each tenant's row count, so the cap check counts only expired rows.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from mde_indicators.model import Model

LIST_FIELDS = ("rbacGroupNames", "rbacGroupIds", "mitreTechniques")
OBJECT_FIELDS = ("certificateInfo",)
BOOL_FIELDS = ("generateAlert", "historicalDetection")
INT_FIELDS = ("category", "bypassDurationHours")
INDEXES = {
    # name: (columns, sqlite_stat1 figures for a full tenant: rows, rows per tenant, then per key prefix)
    "ix_key": ('tenant, "indicatorValue", "indicatorType", "action"', "15000 15000 1 1 1"),
    "ix_tenant": ("tenant", "15000 15000"),
    "ix_owner": ('tenant, "createdBy"', "15000 15000 5000"),
    "ix_expiry": ('tenant, "expirationTime"', "15000 15000 10"),
}


def service_time(moment: datetime) -> str:
    """The service's timestamp form: 7 fraction digits and Z (sortable as text)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def now_text() -> str:
    return service_time(datetime.now(timezone.utc))


class Store:
    def __init__(self, path: str, model: Model) -> None:
        self.model = model
        self.columns = [f for f in model.response_field_order if f != "id"]
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute(
            "PRAGMA journal_mode=WAL" if path != ":memory:" else "PRAGMA journal_mode=MEMORY"
        )
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._create()

    def _create(self) -> None:
        cols = ", ".join(f'"{c}" TEXT COLLATE NOCASE' for c in self.columns)
        with self.tx() as db:
            db.execute(
                f"CREATE TABLE IF NOT EXISTS indicators (id INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, {cols})"
            )
            for name, (columns, _) in INDEXES.items():
                db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON indicators ({columns})")
            db.execute(
                "CREATE TABLE IF NOT EXISTS apps (client_id TEXT PRIMARY KEY, data TEXT NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS tenant_rows (tenant TEXT PRIMARY KEY, n INTEGER NOT NULL)"
            )
            db.execute(
                "CREATE TRIGGER IF NOT EXISTS tenant_rows_insert AFTER INSERT ON indicators BEGIN "
                "INSERT INTO tenant_rows VALUES (NEW.tenant, 1) "
                "ON CONFLICT (tenant) DO UPDATE SET n = n + 1; END"
            )
            db.execute(
                "CREATE TRIGGER IF NOT EXISTS tenant_rows_delete AFTER DELETE ON indicators BEGIN "
                "UPDATE tenant_rows SET n = n - 1 WHERE tenant = OLD.tenant; END"
            )
            # Recount once on open: a --data file written before the triggers existed stays right.
            db.execute("DELETE FROM tenant_rows")
            db.execute(
                "INSERT INTO tenant_rows SELECT tenant, COUNT(*) FROM indicators GROUP BY tenant"
            )
        self._plan_for_full_tenants()

    def _plan_for_full_tenants(self) -> None:
        """Fixed planner statistics (SQLite lets applications write sqlite_stat1) describing a tenant
        at the cap: without them an empty or small table makes SQLite pick plans that sort every row of
        a tenant, or walk all of them for a value lookup, once the tenant grows."""
        with self._lock:
            self._db.execute("ANALYZE sqlite_schema")  # creates sqlite_stat1 when missing
            with self.tx() as db:
                db.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'indicators'")
                db.executemany(
                    "INSERT INTO sqlite_stat1 VALUES ('indicators', ?, ?)",
                    [(name, stat) for name, (_, stat) in INDEXES.items()],
                )
            self._db.execute("ANALYZE sqlite_schema")  # reload the statistics

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction under the lock (sqlite3 in autocommit mode; BEGIN/COMMIT here)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- rows <-> entities ------------------------------------------------------------------------
    def to_row(self, entity: Dict[str, Any]) -> List[Any]:
        row = []
        for c in self.columns:
            v = entity.get(c)
            if c in LIST_FIELDS or c in OBJECT_FIELDS:
                v = None if v is None else json.dumps(v)
            elif c in BOOL_FIELDS:
                v = None if v is None else (1 if v else 0)
            row.append(v)
        return row

    def to_entity(self, row: Sequence[Any]) -> Dict[str, Any]:
        entity: Dict[str, Any] = {"id": str(row[0])}
        for c, v in zip(self.columns, row[2:]):
            if c in LIST_FIELDS:
                v = json.loads(v) if v else []
            elif c in OBJECT_FIELDS:
                v = json.loads(v) if v else None
            elif c in BOOL_FIELDS:
                v = None if v is None else bool(int(v))
            elif c in INT_FIELDS and isinstance(v, str) and v.lstrip("-").isdigit():
                v = int(v)
            entity[c] = v
        return entity

    # -- indicators -------------------------------------------------------------------------------
    def active_clause(self) -> Tuple[str, List[Any]]:
        return '("expirationTime" IS NULL OR "expirationTime" > ?)', [now_text()]

    def select(
        self,
        tenant: str,
        where: str = "1=1",
        params: Sequence[Any] = (),
        limit: int = -1,
        offset: int = 0,
    ) -> List[Dict[str, Any]]:
        active, aparams = self.active_clause()
        sql = f"SELECT * FROM indicators WHERE tenant = ? AND {active} AND ({where}) ORDER BY id LIMIT ? OFFSET ?"
        with self._lock:
            rows = self._db.execute(sql, [tenant, *aparams, *params, limit, offset]).fetchall()
        return [self.to_entity(r) for r in rows]

    def active_count(self, tenant: str) -> int:
        """The tenant's active indicators: its row count (kept by triggers) less its expired rows."""
        with self._lock:
            row = self._db.execute(
                "SELECT n FROM tenant_rows WHERE tenant = ?", [tenant]
            ).fetchone()
            expired = self._db.execute(
                'SELECT COUNT(*) FROM indicators WHERE tenant = ? AND "expirationTime" <= ?',
                [tenant, now_text()],
            ).fetchone()[0]
        return (int(row[0]) if row else 0) - int(expired)

    def find_key(
        self, tenant: str, value: str, itype: str, action: str, created_by: Optional[str]
    ) -> List[Dict[str, Any]]:
        """The active indicator with this upsert key (visible to created_by, when given), via ix_key."""
        active, aparams = self.active_clause()
        sql = 'SELECT * FROM indicators WHERE tenant = ? AND "indicatorValue" = ? AND "indicatorType" = ? AND "action" = ?'
        params: List[Any] = [tenant, value, itype, action]
        if created_by is not None:
            sql += ' AND "createdBy" = ?'
            params.append(created_by)
        with self._lock:
            rows = self._db.execute(f"{sql} AND {active} LIMIT 1", [*params, *aparams]).fetchall()
        return [self.to_entity(r) for r in rows]

    def get(self, tenant: str, indicator_id: int) -> Optional[Dict[str, Any]]:
        rows = self.select(tenant, "id = ?", [indicator_id])
        return rows[0] if rows else None

    def insert(self, db: sqlite3.Connection, tenant: str, entity: Dict[str, Any]) -> str:
        marks = ", ".join("?" for _ in self.columns)
        names = ", ".join(f'"{c}"' for c in self.columns)
        cur = db.execute(
            f"INSERT INTO indicators (tenant, {names}) VALUES (?, {marks})",
            [tenant, *self.to_row(entity)],
        )
        return str(cur.lastrowid)

    def update(self, db: sqlite3.Connection, indicator_id: str, entity: Dict[str, Any]) -> None:
        sets = ", ".join(f'"{c}" = ?' for c in self.columns)
        db.execute(
            f"UPDATE indicators SET {sets} WHERE id = ?", [*self.to_row(entity), int(indicator_id)]
        )

    def delete(self, db: sqlite3.Connection, ids: Sequence[int]) -> None:
        db.executemany("DELETE FROM indicators WHERE id = ?", [(i,) for i in ids])

    def purge_expired(self) -> int:
        with self.tx() as db:
            return db.execute(
                'DELETE FROM indicators WHERE "expirationTime" <= ?', [now_text()]
            ).rowcount

    def clear(self) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM indicators")

    def all_rows(self) -> List[Dict[str, Any]]:
        """Every stored indicator of every tenant, expired included (for tests and admin)."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM indicators ORDER BY id").fetchall()
        return [dict(self.to_entity(r), tenant=r[1]) for r in rows]

    # -- apps and meta ----------------------------------------------------------------------------
    def save_app(self, client_id: str, data: Dict[str, Any]) -> None:
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO apps VALUES (?, ?)", [client_id, json.dumps(data)])

    def load_apps(self) -> List[Dict[str, Any]]:
        with self._lock:
            return [json.loads(r[0]) for r in self._db.execute("SELECT data FROM apps").fetchall()]

    def meta(self, key: str, default: Optional[str] = None) -> Optional[str]:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
