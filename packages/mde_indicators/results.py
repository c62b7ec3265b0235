"""Per-item outcomes of write operations: every input item ends with exactly one ItemResult."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any, Dict, Optional

from .errors import MdeIndicatorsError


class Status(str, Enum):
    SUBMITTED = "submitted"
    UPDATED = "updated"
    DELETED = "deleted"
    UNCHANGED = "unchanged"
    INVALID = "invalid"
    FAILED = "failed"
    DUPLICATE = "duplicate"
    PROTECTED = "protected"
    DRY_RUN = "dry_run"
    QUEUED = "queued"
    NOT_FOUND = "not_found"
    SKIPPED = (
        "skipped"  # left alone on purpose (not owned by this sync, dropped to stay under the cap)
    )

    @property
    def ok(self) -> bool:
        return self not in (Status.INVALID, Status.FAILED, Status.NOT_FOUND)

    def __str__(self) -> str:
        return self.value


@dataclass
class ItemResult:
    index: int
    value: str
    status: Status
    indicator_type: Optional[str] = None
    action: Optional[str] = None
    indicator_id: Optional[str] = None
    reason_code: Optional[str] = None
    reason: Optional[str] = None
    http_status: Optional[int] = None
    request_id: Optional[str] = None
    retry_after: Optional[float] = None

    @property
    def ok(self) -> bool:
        return self.status.ok

    def as_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data


def failure(index: int, value: str, exc: MdeIndicatorsError, **kw: Any) -> ItemResult:
    """A failed result carrying the error's code, message, HTTP status, request id and Retry-After."""
    return ItemResult(
        index=index,
        value=value,
        status=Status.FAILED,
        reason_code=exc.code or type(exc).__name__,
        reason=exc.message,
        http_status=exc.status,
        request_id=exc.request_id,
        retry_after=getattr(exc, "retry_after", None),
        **kw,
    )
