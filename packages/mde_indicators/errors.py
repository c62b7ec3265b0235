"""The pack's error hierarchy: every error carries HTTP status, MDE error code, message and request id.

Service errors are built from MDE's envelope {"error": {"code", "message", "target"}}; the class is
chosen from the HTTP status so that callers can catch by meaning (auth, permission, throttling …). Each
class also says what a caller should do next: `retryable` (the same request may succeed later, so keep
it in an outbox), `stops_run` (every later call would fail the same way) and the `exit_status`.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Type

from .exits import ExitStatus
from .redact import upstream_text

# A 502/503/504 that outlasted the retry budget means the service is down, not that one batch was bad.
OUTAGE_STATUSES = (502, 503, 504)


class MdeIndicatorsError(Exception):
    """Base class of every error the pack raises."""

    exit_status = ExitStatus.ITEMS
    retryable = False
    stops_run = False

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        code: Optional[str] = None,
        request_id: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.__dict__))

    def __str__(self) -> str:
        parts = [self.message]
        if self.code:
            parts.insert(0, f"[{self.code}]")
        if self.status:
            parts.insert(0, f"HTTP {self.status}")
        if self.request_id:
            parts.append(f"(request id {self.request_id})")
        return " ".join(parts)


def _rebuild(cls: Type[MdeIndicatorsError], state: Dict[str, Any]) -> MdeIndicatorsError:
    err = cls.__new__(cls)
    Exception.__init__(err, state.get("message", ""))
    err.__dict__.update(state)
    return err


class ConfigurationError(MdeIndicatorsError):
    """Missing or contradictory settings; nothing was sent."""

    exit_status = ExitStatus.USAGE


class TransportError(MdeIndicatorsError):
    """The request did not complete (connection refused or reset, timeout) after all retries."""

    retryable = True
    stops_run = True


class ApiError(MdeIndicatorsError):
    """MDE answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        code: Optional[str] = None,
        request_id: Optional[str] = None,
        body: Any = None,
    ) -> None:
        super().__init__(message, status=status, code=code, request_id=request_id)
        self.body = body
        if status == 408:
            self.retryable = True


class MalformedResponse(ApiError):
    """A success status whose body is not what the operation returns (an HTML page, a JSON body of the
    wrong shape): the call may or may not have taken effect, and sending it again is safe (upserts)."""

    retryable = True


class RedirectRefused(ApiError):
    """A redirect (3xx): never followed, so that the secret and tokens go only to the configured host."""

    stops_run = True


class BadRequest(ApiError):
    """400: the body, filter or a value was rejected."""


class AuthenticationError(ApiError):
    """401 or a failed sign-in: the credential or token was not accepted (an admin may fix it later)."""

    exit_status = ExitStatus.AUTH
    retryable = True
    stops_run = True


class PermissionDenied(ApiError):
    """403: valid token without the needed role (Ti.ReadWrite / Ti.ReadWrite.All) or scope."""

    exit_status = ExitStatus.AUTH
    retryable = False
    stops_run = True


class NotFound(ApiError):
    """404: the indicator does not exist or is not visible to this application."""


class RateLimited(ApiError):
    """429 beyond the retry budget; retry_after says when MDE will accept calls again."""

    retryable = True
    stops_run = True

    def __init__(self, message: str, *, retry_after: Optional[float] = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx beyond the retry budget."""

    retryable = True

    def __init__(self, message: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.stops_run = self.status in OUTAGE_STATUSES


_BY_STATUS: Mapping[int, Type[ApiError]] = {
    400: BadRequest,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    429: RateLimited,
}


def header_request_id(headers: Mapping[str, str]) -> Optional[str]:
    found = headers.get("request-id") or headers.get("x-ms-request-id")
    return upstream_text(found, 100) or None


def error_class(status: int) -> Type[ApiError]:
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ApiError)


def from_response(
    status: int,
    body: Any,
    headers: Mapping[str, str],
    *,
    retry_after: Optional[float] = None,
) -> ApiError:
    """Build the error for an MDE error response (envelope or not)."""
    envelope = body.get("error") if isinstance(body, dict) else None
    if isinstance(envelope, dict):
        code = upstream_text(envelope.get("code"), 100) or None
        message = upstream_text(envelope.get("message"))
        request_id = upstream_text(envelope.get("target"), 100) or None
    else:
        code, message, request_id = None, "", None
    request_id = request_id or header_request_id(headers)
    message = message or f"HTTP {status} from MDE"
    cls = error_class(status)
    kwargs: Dict[str, Any] = {
        "status": status,
        "code": code,
        "request_id": request_id,
        "body": body,
    }
    if cls is RateLimited:
        return RateLimited(message, retry_after=retry_after, **kwargs)
    return cls(message, **kwargs)
