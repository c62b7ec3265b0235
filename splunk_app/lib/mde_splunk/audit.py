"""The audit trail: one key="value" line per submission or deletion result in ta_mde_indicators_audit.log.

Splunk indexes the file into _internal (sourcetype mde:indicators:audit); the dashboard reads it. splunkd
starts a new event at every line end, so every field is encoded to stay on its line: a backslash, a
quote, and every character that is not printable (CR, LF, NEL, U+2028/U+2029, other controls) are
written as backslash escapes. A value from a search result can then never forge a second event.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Mapping, Optional

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


# Long enough for any valid value (the schema's 2,048) and an upstream reason (500) with our context.
FIELD_LIMIT = 4096
_NAMED = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    named: Optional[str] = _NAMED.get(char)
    if named is not None:
        return named
    if char.isprintable():
        return char
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def encode(value: Any) -> str:
    """One field as a quoted value that holds no line break, however hostile the text."""
    text = "" if value is None else str(value)
    if len(text) > FIELD_LIMIT:
        text = f"{text[:FIELD_LIMIT]}…(+{len(text) - FIELD_LIMIT:,} characters)"
    if not (text.isprintable() and "\\" not in text and '"' not in text):
        text = "".join(map(_escape, text))
    return '"' + text + '"'


def record(operation: str, results: Iterable[ItemResult], context: Mapping[str, Any]) -> None:
    """Log every result with who asked, from which search, through which account."""
    log = get_logger("audit")
    who: Dict[str, Any] = {k: context.get(k) for k in WHO}
    for result in results:
        data = result.as_dict()
        pairs = {"operation": operation, **who, **{k: data.get(k) for k in FIELDS}}
        log.info(" ".join(f"{k}={encode(v)}" for k, v in pairs.items()))
