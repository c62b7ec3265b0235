"""The submission history in a KV Store collection, so that the app's roles see it on the dashboard.

The audit log file (audit.py) lands in _internal, which the app's roles cannot search and should not be
granted. The REST handler (system session) therefore also keeps every result it audits in
mde_indicators_audit, which the app's roles may read (default.meta) through mde_indicators_audit_lookup;
entries older than [audit] retention_days are pruned by the scheduled outbox delivery.
"""

from __future__ import annotations

import json
import time
from typing import Any, Dict, Iterable, List, Mapping, Optional

from mde_indicators.results import ItemResult

from .audit import FIELDS, WHO
from .outbox import KV_BATCH_SAVE
from .splunkd import Splunkd

COLLECTION = "mde_indicators_audit"
PATH = f"storage/collections/data/{COLLECTION}"
DEFAULT_RETENTION_DAYS = 30.0


def documents(
    operation: str, results: Iterable[ItemResult], context: Mapping[str, Any], now: float
) -> List[Dict[str, Any]]:
    who = {k: context.get(k) for k in WHO}
    out = []
    for result in results:
        data = result.as_dict()
        out.append({"time": now, "operation": operation, **who, **{k: data.get(k) for k in FIELDS}})
    return out


def store(
    system: Splunkd,
    operation: str,
    results: Iterable[ItemResult],
    context: Mapping[str, Any],
    now: Optional[float] = None,
) -> int:
    docs = documents(operation, results, context, time.time() if now is None else now)
    for start in range(0, len(docs), KV_BATCH_SAVE):
        system.post_json(f"{PATH}/batch_save", docs[start : start + KV_BATCH_SAVE])
    return len(docs)


def prune(system: Splunkd, retention_days: float, now: Optional[float] = None) -> None:
    cutoff = (time.time() if now is None else now) - retention_days * 86400
    system.delete(PATH, query=json.dumps({"time": {"$lt": cutoff}}))
