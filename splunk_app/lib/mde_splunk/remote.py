"""The commands' and the alert action's client of the app's REST handler (mde_indicators/...).

Calls run with the user's own session key; splunkd checks the capability before the handler sees them.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from .caps import ENDPOINT, READ, WRITE
from .splunkd import Splunkd, SplunkdError


class RemoteError(Exception):
    """The handler refused or failed the call; message is safe to show to the user."""

    def __init__(self, message: str, status: int = 0, retry_after: Optional[float] = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def _friendly(exc: SplunkdError, capability: str) -> RemoteError:
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

    def _post(self, route: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        try:
            return dict(self.splunkd.post_json(self._path(route), payload) or {})
        except SplunkdError as exc:
            raise _friendly(exc, WRITE) from None

    def import_indicators(
        self,
        account: Optional[str],
        bodies: Sequence[Dict[str, Any]],
        *,
        dry_run: bool = False,
        queue: bool = False,
        context: Optional[Dict[str, Any]] = None,
    ) -> List[Dict[str, Any]]:
        """Per-item results (handler's ItemResult dicts) for bodies, in order; queue keeps what MDE
        cannot take now in the outbox (status queued)."""
        payload = {
            "account": account,
            "indicators": list(bodies),
            "dry_run": dry_run,
            "queue": queue,
            "context": context or {},
        }
        return list(self._post("indicators/import", payload).get("results") or [])

    def delete(
        self,
        account: Optional[str],
        *,
        ids: Sequence[str] = (),
        values: Sequence[str] = (),
        indicator_type: Optional[str] = None,
        dry_run: bool = False,
        context: Optional[Dict[str, Any]] = None,
    ) -> List[Dict[str, Any]]:
        payload: Dict[str, Any] = {"account": account, "dry_run": dry_run, "context": context or {}}
        if ids:
            payload["ids"] = list(ids)
        else:
            payload.update(values=list(values), type=indicator_type)
        return list(self._post("indicators/delete", payload).get("results") or [])

    def list_page(
        self, account: Optional[str], filter: Optional[str], top: int, skip: int
    ) -> Tuple[List[Dict[str, Any]], bool]:
        query: Dict[str, Any] = {"top": top, "skip": skip}
        if account:
            query["account"] = account
        if filter:
            query["filter"] = filter
        try:
            data = self.splunkd.get(self._path("indicators"), **query) or {}
        except SplunkdError as exc:
            raise _friendly(exc, READ) from None
        return list(data.get("value") or []), bool(data.get("more"))

    def retry_outbox(self, account: Optional[str], limit: int) -> Dict[str, Any]:
        """Deliver the outbox entries that are due: {"results": [...], "pending": n}."""
        return self._post("outbox/retry", {"account": account, "max": limit})
