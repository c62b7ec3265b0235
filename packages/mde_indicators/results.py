"""Per-item outcomes of write operations: every input item ends with exactly one ItemResult.

The same type travels to every adapter: the CLI prints it, the Splunk app sends it between its REST
handler and its commands as a dict (as_dict / from_dict), the SOAR app returns it as action data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from enum import Enum
from typing import Any, Callable, Dict, Mapping, Optional

from .errors import MdeIndicatorsError
from .exits import ExitStatus

Progress = Callable[[int], None]  # called with the number of items just settled


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
    # An outbox stopped trying: max attempts reached, or the error cannot go away.
    GIVEN_UP = "given_up"
    NOT_FOUND = "not_found"
    # Left alone on purpose: not owned by this sync, or dropped to stay under the cap.
    SKIPPED = "skipped"

    @property
    def ok(self) -> bool:
        return self not in (Status.INVALID, Status.FAILED, Status.NOT_FOUND, Status.GIVEN_UP)

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
    # From the error that failed the item: may the same request succeed later (keep it queued)?
    retryable: bool = False
    # From that error too: the exit status it calls for (an authentication failure, say).
    exit_status: Optional[int] = None

    @property
    def ok(self) -> bool:
        return self.status.ok

    def as_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], index: int = 0) -> ItemResult:
        """The result a dict from as_dict (or a partial one) describes; unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known and v is not None}
        values.setdefault("index", index)
        values.setdefault("value", "")
        values["status"] = Status(values.get("status") or Status.FAILED.value)
        return cls(**values)

    @property
    def outcome(self) -> ExitStatus:
        """The exit status this result alone calls for."""
        if self.ok:
            return ExitStatus.OK
        return ExitStatus(self.exit_status) if self.exit_status else ExitStatus.ITEMS


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
        retryable=exc.retryable,
        exit_status=int(exc.exit_status) if exc.exit_status is not ExitStatus.ITEMS else None,
        **kw,
    )
