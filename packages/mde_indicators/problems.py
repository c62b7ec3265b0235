"""A validation problem (field, stable reason code, message) and the metadata keys readers attach to items."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Mapping, Tuple

# Readers may add keys starting with META_PREFIX to an input item: facts about the source (never sent).
# REJECTED holds {"code", "message"[, "status"]} when the reader could not turn the input into an
# indicator, e.g. a STIX pattern MDE cannot express: the item is reported with that reason, as invalid
# unless status says otherwise (a revoked STIX indicator is "skipped").
META_PREFIX = "_"
REJECTED = "_rejected"
SOURCE_TIME = "_source_time"
# The reason code of an input object that could not even be read (a broken JSON line): its value is
# unknown, so a sync cannot tell its indicator from one the feed no longer lists.
UNREADABLE = "unreadable"


def split_meta(item: Mapping[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(indicator fields, reader metadata) of one input item."""
    fields = {k: v for k, v in item.items() if not str(k).startswith(META_PREFIX)}
    meta = {k: v for k, v in item.items() if str(k).startswith(META_PREFIX)}
    return fields, meta


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str

    def as_dict(self) -> Dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}

    def __str__(self) -> str:
        return f"{self.field}: {self.message} [{self.code}]"
