"""The audit trail: one key="value" line per submission or deletion result in ta_mde_indicators_audit.log.

Splunk indexes the file into _internal (sourcetype mde:indicators:audit); the dashboard reads it.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Mapping

from mde_indicators.results import ItemResult

from .logs import get_logger

FIELDS = (
    "status",
    "value",
    "indicator_type",
    "action",
    "indicator_id",
    "reason_code",
    "reason",
    "http_status",
    "request_id",
)
# Who asked, from which search; orig_sid: the search behind the notable an adaptive response ran on.
WHO = ("user", "account", "source", "search_name", "sid", "orig_sid")


def _quote(value: Any) -> str:
    text = "" if value is None else str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def record(operation: str, results: Iterable[ItemResult], context: Mapping[str, Any]) -> None:
    """Log every result with who asked, from which search, through which account."""
    log = get_logger("audit")
    who: Dict[str, Any] = {k: context.get(k) for k in WHO}
    for result in results:
        data = result.as_dict()
        pairs = {"operation": operation, **who, **{k: data.get(k) for k in FIELDS}}
        log.info(" ".join(f"{k}={_quote(v)}" for k, v in pairs.items()))
