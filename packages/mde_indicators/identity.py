"""One indicator identity for every path that de-duplicates or matches: the type plus the value under the
type's case rule from the schema (hashes, IPs and domains ignore case; a URL's path does not).

Rows that come back from MDE are keyed the same way as our own items, so a value MDE stores in another
letter case still matches.
"""

from __future__ import annotations

from typing import NamedTuple, Optional
from urllib.parse import urlsplit, urlunsplit

from .model import Model


class IndicatorKey(NamedTuple):
    indicator_type: Optional[
        str
    ]  # None matches a value of any type (delete by value without a type)
    value: str


def canonical_value(model: Model, indicator_type: Optional[str], value: str) -> str:
    """value as the identity compares it, under indicator_type's case rule (untyped: ignore case)."""
    text = value.strip()
    spec = model.indicator_types.get(indicator_type or "")
    if spec is None or spec.case_rule == "insensitive":
        return text.lower()
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment)
    )


def key_of(model: Model, indicator_type: Optional[str], value: str) -> IndicatorKey:
    return IndicatorKey(indicator_type, canonical_value(model, indicator_type, value))
