"""The commands' and the alert action's client of the app's REST handler (mde_indicators/...).

Calls run with the user's own session key; splunkd checks the capability before the handler sees them.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from mde_indicators.results import ItemResult

from .caps import ENDPOINT, READ, WRITE
from .splunkd import Splunkd, SplunkdError, SplunkdUnavailable

# The handler may retry MDE for up to an account's max_retry_seconds per batch, then write the outbox.
HANDLER_TIMEOUT = 300.0


class RemoteError(Exception):
    """The handler refused or failed the call; message is safe to show to the user."""

    def __init__(
        self,
        message: str,
        status: int = 0,
        retry_after: Optional[float] = None,
        unavailable: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.unavailable = unavailable  # splunkd itself could not be reached


def _friendly(exc: SplunkdError, capability: str) -> RemoteError:
    if isinstance(exc, SplunkdUnavailable):
        return RemoteError(exc.message, 0, unavailable=True)
    if exc.status == 403:
        return RemoteError(
            f"Permission denied: this needs the {capability} capability of the app ({exc.message}).",
            403,
        )
    return RemoteError(exc.message, exc.status)


class RemoteApi:
    def __init__(self, splunkd: Splunkd) -> None:
        self.splunkd = splunkd

    def _path(self, route: str) -> str:
        return f"/services/{ENDPOINT}/{route}"

    def _post(
        self, route: str, payload: Dict[str, Any], timeout: float = HANDLER_TIMEOUT
    ) -> Dict[str, Any]:
        try:
            answer = self.splunkd.with_timeout(timeout).post_json(self._path(route), payload)
        except SplunkdError as exc:
            raise _friendly(exc, WRITE) from None
        return dict(answer or {})

    def import_indicators(
        self,
        account: Optional[str],
        bodies: Sequence[Dict[str, Any]],
        *,
        dry_run: bool = False,
        queue: bool = False,
        context: Optional[Dict[str, Any]] = None,
        deadline: Optional[float] = None,
        timeout: float = HANDLER_TIMEOUT,
    ) -> List[Dict[str, Any]]:
        """Per-item results (handler's ItemResult dicts) for bodies, in order; queue keeps what MDE
        cannot take now in the outbox (status queued); deadline (seconds) bounds the MDE calls."""
        payload = {
            "account": account,
            "indicators": list(bodies),
            "dry_run": dry_run,
            "queue": queue,
            "context": context or {},
        }
        if deadline is not None:
            payload["deadline"] = deadline
        return list(self._post("indicators/import", payload, timeout).get("results") or [])

    def record(
        self,
        operation: str,
        results: Sequence[ItemResult],
        account: Optional[str],
        context: Optional[Dict[str, Any]] = None,
    ) -> None:
        """Have the handler audit results settled here (invalid or duplicate rows)."""
        payload = {
            "operation": operation,
            "account": account,
            "results": [r.as_dict() for r in results],
            "context": context or {},
        }
        self._post("audit", payload)

    def delete(
        self,
        account: Optional[str],
        *,
        ids: Sequence[str] = (),
        values: Sequence[str] = (),
        indicator_type: Optional[str] = None,
        dry_run: bool = False,
        context: Optional[Dict[str, Any]] = None,
        owned_only: bool = False,
        detected_type: bool = False,
        deadline: Optional[float] = None,
        timeout: float = HANDLER_TIMEOUT,
    ) -> List[Dict[str, Any]]:
        """Per-item results of deleting by ID or by value; owned_only spares other applications'
        indicators (unless the admin allows any), detected_type matches each value's own type only."""
        payload: Dict[str, Any] = {"account": account, "dry_run": dry_run, "context": context or {}}
        if ids:
            payload["ids"] = list(ids)
        else:
            payload.update(values=list(values), type=indicator_type)
            payload.update(owned_only=owned_only, detected_type=detected_type)
        if deadline is not None:
            payload["deadline"] = deadline
        return list(self._post("indicators/delete", payload, timeout).get("results") or [])

    def list_page(
        self, account: Optional[str], filter: Optional[str], top: int, skip: int
    ) -> Tuple[List[Dict[str, Any]], bool]:
        query: Dict[str, Any] = {"top": top, "skip": skip}
        if account:
            query["account"] = account
        if filter:
            query["filter"] = filter
        try:
            data = self.splunkd.with_timeout(HANDLER_TIMEOUT).get(self._path("indicators"), **query)
        except SplunkdError as exc:
            raise _friendly(exc, READ) from None
        data = data or {}
        return list(data.get("value") or []), bool(data.get("more"))

    def retry_outbox(self, account: Optional[str], limit: int) -> Dict[str, Any]:
        """Deliver the outbox entries that are due: {"results": [...], "pending": n}."""
        return self._post("outbox/retry", {"account": account, "max": limit})
