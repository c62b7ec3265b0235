"""The HTTP session every call goes through (sign-in included): our trust store, no redirects, and a total
deadline per call.

requests' timeouts bound each socket read, so a server trickling one byte a second never trips them. Here
each call also has a wall-clock deadline (connect + read timeout, and never past the caller's budget, see
call_budget): a timer shuts the call's sockets down when it passes, even mid-handshake, and the call fails
as a timeout. Redirects are refused, so that neither the client secret (msal re-posts it on a 307) nor a
bearer token ever goes to another host.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from . import __version__
from .errors import RedirectRefused, header_request_id
from .redact import upstream_text

_local = threading.local()


class DeadlineExceeded(requests.exceptions.Timeout):
    """The whole call (connect, request and the complete response) did not fit its deadline."""


@contextmanager
def call_budget(seconds: float) -> Iterator[None]:
    """Calls made in this thread inside the block end within seconds from now (retries included)."""
    previous = getattr(_local, "until", None)
    until = time.monotonic() + max(0.0, seconds)
    _local.until = until if previous is None else min(previous, until)
    try:
        yield
    finally:
        _local.until = previous


def _remaining(limit: float) -> float:
    until = getattr(_local, "until", None)
    return limit if until is None else min(limit, until - time.monotonic())


class _Watch:
    """Cuts the connections of one call when its deadline passes."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._done = False
        self._connections: List[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watch:
        self._previous = getattr(_local, "watch", None)
        _local.watch = self
        self._timer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._timer.cancel()
        with self._lock:
            self._done = True  # the connections may serve other calls from now on
        _local.watch = self._previous

    def add(self, connection: Any) -> None:
        with self._lock:
            self._connections.append(connection)
            fired = self.fired
        if fired:
            _cut(connection)

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            connections = list(self._connections)
        for connection in connections:
            _cut(connection)


def _cut(connection: Any) -> None:
    shadow = getattr(connection, "_deadline_shadow", None)
    if shadow is not None:
        try:
            shadow.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _watch(connection: Any) -> None:
    watch = getattr(_local, "watch", None)
    if watch is not None:
        watch.add(connection)


class _Watched:
    """Connection mixin: the current call's deadline can shut the socket down, even during the TLS
    handshake (a duplicate of the plain socket is kept, since wrapping it in TLS takes the original)."""

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        self._close_shadow()
        self._deadline_shadow: Optional[socket.socket] = sock.dup()
        return sock

    def _close_shadow(self) -> None:
        shadow = self.__dict__.pop("_deadline_shadow", None)
        if shadow is not None:
            shadow.close()

    def connect(self) -> None:
        _watch(self)
        super().connect()  # type: ignore[misc]

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self)
        super().request(*args, **kwargs)  # type: ignore[misc]

    def close(self) -> None:
        super().close()  # type: ignore[misc]
        self._close_shadow()


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def _watched_pools(manager: Any) -> Any:
    if manager.pool_classes_by_scheme.get("https") is HTTPSConnectionPool:  # not a SOCKS manager
        manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
    return manager


class CallAdapter(HTTPAdapter):
    """Connections verified against our in-memory trust store only, whose calls a deadline can cut."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, ssl_context=self._context, **kwargs)
        _watched_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        fresh = proxy not in self.proxy_manager
        manager = super().proxy_manager_for(proxy, ssl_context=self._context, **kwargs)
        return _watched_pools(manager) if fresh else manager

    def build_connection_pool_key_attributes(
        self, request: Any, verify: Any, cert: Any = None
    ) -> Any:
        return super().build_connection_pool_key_attributes(request, True, cert)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # Verification is always on, against our context alone: no CA file may be added per request.
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None


class Session(requests.Session):
    """A session for MDE and its sign-in: every call verified, never redirected, and bounded in time."""

    def __init__(
        self, context: ssl.SSLContext, connect_timeout: float = 10.0, read_timeout: float = 60.0
    ) -> None:
        super().__init__()
        self.timeouts = (connect_timeout, read_timeout)
        self.call_seconds = connect_timeout + read_timeout
        self.headers["User-Agent"] = f"mde-indicators/{__version__}"
        adapter = CallAdapter(context)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        settings["verify"] = True  # REQUESTS_CA_BUNDLE is read once, into the trust store
        return settings

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeouts
        kwargs["allow_redirects"] = False
        kwargs.pop("verify", None)
        seconds = _remaining(self.call_seconds)
        if seconds <= 0:
            raise DeadlineExceeded(
                f"No time left in the budget for {method} {urlsplit(url).netloc}"
            )
        with _Watch(seconds) as watch:
            try:
                response = super().request(method, url, *args, **kwargs)
            except requests.RequestException:
                if watch.fired:
                    raise DeadlineExceeded(
                        f"{method} {urlsplit(url).netloc} gave no complete answer within {seconds:.0f} s"
                    ) from None
                raise
        if response.is_redirect:
            raise _redirect(response)
        return response


def _redirect(response: requests.Response) -> RedirectRefused:
    source = urlsplit(response.url).netloc
    target = upstream_text(urlsplit(response.headers.get("Location", "")).netloc, 200) or source
    return RedirectRefused(
        f"{source} answered with a redirect to {target}; redirects are never followed, so that "
        "credentials and tokens go only to the configured host. Set the API or sign-in URL to the "
        "final host if the move is legitimate.",
        status=response.status_code,
        code="RedirectRefused",
        request_id=header_request_id(response.headers),
    )


def verification_failure(exc: BaseException) -> Optional[str]:
    """Why the certificate failed verification (never retried), or None for a TLS stream cut short."""
    seen: Any = exc
    for _ in range(10):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLCertVerificationError):
            return (
                f"CERTIFICATE_VERIFY_FAILED: {seen.verify_message or 'certificate verify failed'}"
            )
        if "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return "CERTIFICATE_VERIFY_FAILED"
        seen = (
            seen.__cause__
            or seen.__context__
            or (seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None)
        )
    return None


def untrusted(host: str, reason: str) -> str:
    return f"TLS verification failed for {host} ({reason}); if it uses a private CA, point MDE_CA_BUNDLE at it"
