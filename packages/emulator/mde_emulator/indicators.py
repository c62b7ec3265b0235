"""The Indicators API operations on the store: list, get, submit, import, delete, batch delete.

Upsert key (the sources conflict, see the reference section 6): indicatorValue + indicatorType + action
among the indicators the caller can see; an update keeps id, creationTimeDateTimeUtc and application.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from mde_indicators.model import Model

from .checks import CheckError, check_indicator
from .faults import Fault
from .filters import FilterError, to_sql
from .identity import READ_WRITE_ALL, App
from .store import Store, now_text

CREATE_ONLY = ("application", "version", "certificateInfo")


class ApiFailure(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Caller:
    app: App
    tenant: str

    @property
    def sees_all(self) -> bool:
        return self.app.role == READ_WRITE_ALL

    def scope(self) -> Tuple[str, List[Any]]:
        return ("1=1", []) if self.sees_all else ('"createdBy" = ?', [self.app.client_id])


def render(model: Model, entity: Dict[str, Any]) -> Dict[str, Any]:
    """Entity in the service's key order; expirationTime in whole seconds as the service returns it."""
    out = {k: entity.get(k) for k in model.response_field_order}
    if out.get("expirationTime"):
        out["expirationTime"] = str(out["expirationTime"])[:19] + "Z"
    return out


class IndicatorsApi:
    def __init__(self, model: Model, store: Store, cap: int) -> None:
        self.model = model
        self.store = store
        self.cap = cap
        self.filterable = frozenset(f.name for f in model.filterable_fields)

    def fail(self, code: str, **kw: Any) -> ApiFailure:
        spec = self.model.errors[code]
        return ApiFailure(spec.status, code, spec.message.format(**kw))

    # -- reads ------------------------------------------------------------------------------------
    def list(
        self, caller: Caller, args: Dict[str, str]
    ) -> Tuple[List[Dict[str, Any]], bool, int, int]:
        """Rows of one page, whether more remain, and the $top/$skip used."""
        max_top = int(self.model.operations["ListIndicators"].max_top or 0)
        try:
            top = int(args.get("$top", max_top))
            skip = int(args.get("$skip", 0))
        except ValueError:
            raise self.fail("ODataError", detail="$top and $skip must be integers") from None
        if not 0 <= top <= max_top or skip < 0:
            raise self.fail(
                "ODataError", detail=f"$top must be between 0 and {max_top}, $skip at least 0"
            )
        where, params = caller.scope()
        if args.get("$filter"):
            try:
                where = f"({where}) AND ({to_sql(args['$filter'], self.filterable)})"
            except FilterError as exc:
                raise self.fail("ODataError", detail=str(exc)) from None
        try:
            rows = self.store.select(caller.tenant, where, params, limit=top + 1, offset=skip)
        except sqlite3.Error as exc:
            raise self.fail("ODataError", detail=f"the filter cannot be evaluated: {exc}") from None
        return [render(self.model, r) for r in rows[:top]], len(rows) > top, top, skip

    def get(self, caller: Caller, indicator_id: str) -> Dict[str, Any]:
        entity = self._visible(caller, indicator_id)
        if entity is None:
            raise self.fail("ResourceNotFound", detail=f"Indicator {indicator_id}")
        return render(self.model, entity)

    def _visible(self, caller: Caller, indicator_id: str) -> Optional[Dict[str, Any]]:
        if not indicator_id.isdigit():
            return None
        entity = self.store.get(caller.tenant, int(indicator_id))
        if entity and not caller.sees_all and entity.get("createdBy") != caller.app.client_id:
            return None
        return entity

    # -- writes -----------------------------------------------------------------------------------
    def _upsert(
        self, db: sqlite3.Connection, caller: Caller, fields: Dict[str, Any], active: List[int]
    ) -> Tuple[str, Dict[str, Any]]:
        """Update the caller's indicator with the same key or create one; active[0] counts the tenant's."""
        owner = None if caller.sees_all else caller.app.client_id
        existing = self.store.find_key(
            caller.tenant,
            fields["indicatorValue"],
            fields["indicatorType"],
            fields["action"],
            owner,
        )
        now = now_text()
        if existing:
            entity = dict(existing[0])
            entity.update({k: v for k, v in fields.items() if k not in CREATE_ONLY})
            entity.update(lastUpdateTime=now, lastUpdatedBy=caller.app.client_id)
            self.store.update(db, entity["id"], entity)
            return entity["id"], entity
        if active[0] >= self.cap:
            raise CheckError(
                "BadRequest",
                f"Maximum number of active indicators ({self.cap}) reached for the tenant.",
            )
        entity = dict(fields)
        entity.update(
            createdBy=caller.app.client_id,
            createdByDisplayName=caller.app.name,
            createdBySource="PublicApi",
            creationTimeDateTimeUtc=now,
            lastUpdateTime=now,
            lastUpdatedBy=None,
            category=fields.get("category") or 1,
            rbacGroupIds=[],
            historicalDetection=False,
            generateAlert=bool(fields.get("generateAlert")),
            bypassDurationHours=None,
        )
        entity["id"] = self.store.insert(db, caller.tenant, entity)
        active[0] += 1
        return entity["id"], entity

    def submit(self, caller: Caller, body: Any) -> Dict[str, Any]:
        try:
            fields = check_indicator(self.model, body)
            with self.store.tx() as db:
                _, entity = self._upsert(
                    db, caller, fields, [self.store.active_count(caller.tenant)]
                )
        except CheckError as exc:
            raise ApiFailure(self.model.error_status(exc.code), exc.code, exc.message) from None
        return render(self.model, entity)

    def import_(self, caller: Caller, body: Any, partial: Optional[Fault]) -> List[Dict[str, Any]]:
        op = self.model.operations["ImportIndicators"]
        items = self._body_list(body, op.body_key or "", op.batch_size or 0)
        keys = self.model.import_result
        results = []
        with self.store.tx() as db:
            active = [self.store.active_count(caller.tenant)]  # once; _upsert adds what it creates
            for item in items:
                value = item.get("indicatorValue") if isinstance(item, dict) else None
                result = {
                    keys["id"]: None,
                    keys["value"]: value,
                    keys["failed"]: True,
                    keys["reason"]: None,
                }
                try:
                    fields = check_indicator(self.model, item)
                    if partial and partial.rng.random() < partial.fraction:
                        raise CheckError(
                            "InternalServerError",
                            "Failed to import the indicator (injected fault); retry.",
                        )
                    result[keys["id"]], _ = self._upsert(db, caller, fields, active)
                    result[keys["failed"]] = False
                except CheckError as exc:
                    result[keys["reason"]] = exc.message
                results.append(result)
        return results

    def delete(self, caller: Caller, indicator_id: str) -> None:
        entity = self._visible(caller, indicator_id)
        if entity is None:
            raise self.fail("ResourceNotFound", detail=f"Indicator {indicator_id}")
        with self.store.tx() as db:
            self.store.delete(db, [int(indicator_id)])

    def batch_delete(self, caller: Caller, body: Any) -> None:
        op = self.model.operations["BatchDeleteIndicators"]
        ids = self._body_list(body, op.body_key or "", op.batch_size or 0)
        if not ids:
            raise self.fail("InvalidInput", detail=f"{op.body_key} is empty")
        if any(not isinstance(i, (str, int)) or not str(i).isdigit() for i in ids):
            raise self.fail("InvalidInput", detail=f"{op.body_key} holds an invalid ID")
        with self.store.tx() as db:
            for i in ids:
                entity = self.store.get(caller.tenant, int(i))
                if entity is None:
                    raise self.fail("ResourceNotFound", detail=f"Indicator {i}")
                if not caller.sees_all and entity.get("createdBy") != caller.app.client_id:
                    raise self.fail("Forbidden")
            self.store.delete(db, [int(i) for i in ids])

    def seed(self, app: App, tenant: str, count: int, fields: Dict[str, Any]) -> int:
        """Insert count synthetic SHA-256 indicators owned by app (fast set-up for cap and sync tests)."""
        caller = Caller(app, tenant)
        now = now_text()
        start = self.store.active_count(tenant)
        # The schema's 64-hex-digit file type (SHA-256) and a blocking action it allows.
        itype = next(
            t for t in self.model.indicator_types.values() if t.format == "hex" and t.length == 64
        )
        action = next(
            a for a in self.model.current_actions(itype.name) if self.model.actions[a].blocks
        )
        with self.store.tx() as db:
            for n in range(count):
                value = hashlib.sha256(f"seed-{tenant}-{start + n}-{now}".encode()).hexdigest()
                entity = {
                    "indicatorValue": value,
                    "indicatorType": itype.name,
                    "action": action,
                    "title": "seeded",
                    "description": "seeded by the emulator admin API",
                    "createdBy": caller.app.client_id,
                    "createdByDisplayName": caller.app.name,
                    "createdBySource": "PublicApi",
                    "creationTimeDateTimeUtc": now,
                    "lastUpdateTime": now,
                    "rbacGroupNames": [],
                    "rbacGroupIds": [],
                    "mitreTechniques": [],
                    "generateAlert": False,
                    **fields,
                }
                self.store.insert(db, tenant, entity)
        return count

    def _body_list(self, body: Any, key: str, limit: int) -> Sequence[Any]:
        if not isinstance(body, dict):
            raise self.fail("InvalidRequestBody")
        if key not in body:
            raise self.fail("MissingRequiredParameter", detail=key)
        items = body[key]
        if not isinstance(items, list):
            raise self.fail("InvalidRequestBody")
        if len(items) > limit:
            raise self.fail("MaximumBatchSizeExceeded", received=len(items), allowed=limit)
        return items
