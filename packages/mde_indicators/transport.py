"""HTTP transport: one session, bearer tokens, the rate budget and bounded retries.

Retries cover 429 (honouring Retry-After), 500/502/503/504 and transport errors (connection refused or
reset, timeouts, a response cut short) — POSTs included, since submit and import are idempotent upserts.
A 401 renews the token once. Every attempt has a total deadline and all of them together, sign-in
included, stay within max_retry_seconds (session.py). TLS is always verified; redirects are refused.
A caller with a deadline of its own (the Splunk alert action's maxtime) bounds every request with until().
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping, Optional
from urllib.parse import quote, urlsplit

import requests

from . import errors
from .auth import TokenProvider
from .clouds import Endpoints, resolve_endpoints
from .config import ClientConfig
from .model import Model, Operation, load_model
from .ratelimit import RateBudget
from .retry import RetryPolicy, retry_after_seconds
from .session import Session, call_budget, untrusted, verification_failure
from .tls import ssl_context

log = logging.getLogger("mde_indicators.transport")


def make_session(config: ClientConfig) -> requests.Session:
    session = Session(ssl_context(config.ca_bundle), config.connect_timeout, config.read_timeout)
    if config.proxy:
        session.proxies = {"https": config.proxy, "http": config.proxy}
    return session


class Transport:
    def __init__(
        self,
        config: ClientConfig,
        *,
        model: Optional[Model] = None,
        session: Optional[requests.Session] = None,
        tokens: Any = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        config.check()
        self.config = config
        self.model = model or load_model()
        self.endpoints: Endpoints = resolve_endpoints(
            config.cloud,
            config.region,
            api_url=config.api_url,
            authority_url=config.authority_url,
            resource=config.resource,
            model=self.model,
        )
        self.session = session or make_session(config)
        self.retry = RetryPolicy(
            self.model.retryable_statuses,
            max_attempts=config.max_attempts,
            max_total=config.max_retry_seconds,
        )
        self.tokens = tokens or TokenProvider(
            config, self.endpoints, self.session, retry=self.retry, sleep=sleep, clock=clock
        )
        self.budget = RateBudget(config.rate_limit_scale, clock=clock, sleep=sleep)
        self._sleep = sleep
        self._clock = clock
        self.deadline: Optional[float] = None  # on the clock: no attempt starts or waits past it

    @contextmanager
    def until(self, deadline: Optional[float]) -> Iterator[None]:
        """Bound every request in the block by deadline (on this transport's clock); None: no bound."""
        previous = self.deadline
        self.deadline = (
            deadline if previous is None or deadline is None else min(previous, deadline)
        )
        try:
            yield
        finally:
            self.deadline = previous

    def url(self, op: Operation, **path_params: str) -> str:
        path = op.path.format(**{k: quote(str(v), safe="") for k, v in path_params.items()})
        return f"{self.endpoints.api_url}{self.model.path_prefix}{path}"

    def same_origin(self, url: str) -> bool:
        """Whether url points at the configured API (a bearer token must never go elsewhere)."""
        a, b = urlsplit(url), urlsplit(self.endpoints.api_url)
        return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())

    def request(
        self,
        operation: str,
        *,
        path_params: Optional[Mapping[str, str]] = None,
        params: Optional[Mapping[str, Any]] = None,
        json_body: Any = None,
        url: Optional[str] = None,
    ) -> requests.Response:
        """Send one operation, retrying within the budget; return the success response or raise."""
        op = self.model.operations[operation]
        target = url or self.url(op, **(path_params or {}))
        deadline = self._clock() + self.retry.max_total
        if self.deadline is not None:
            deadline = min(deadline, self.deadline)
            if self._clock() >= deadline:
                raise errors.TransportError(
                    f"{op.name} not sent: the caller's time limit was reached", code="deadline"
                )
        attempts, renewed = 0, False
        while True:
            # Sign in first (within the same budget), so that the rate budget times the API call itself.
            token = self.tokens.token(within=deadline - self._clock())
            self.budget.acquire(op, max_wait=max(0.0, deadline - self._clock()))
            attempts += 1
            try:
                with call_budget(deadline - self._clock()):
                    response = self._send(op, target, params, json_body, token)
            except requests.exceptions.SSLError as exc:
                reason = verification_failure(exc)
                if reason:
                    raise errors.TransportError(
                        untrusted(urlsplit(target).netloc, reason)
                    ) from None
                self._retry_or_raise(op, attempts, deadline, exc)  # a TLS stream cut short
                continue
            except requests.RequestException as exc:
                self._retry_or_raise(op, attempts, deadline, exc)
                continue
            status = response.status_code
            if status in op.success:
                return response
            if status == 401 and not renewed:
                renewed = True
                self.tokens.invalidate()
                continue
            retry_after = retry_after_seconds(response.headers)
            if self.retry.should_retry_status(status):
                delay = self.retry.delay(attempts, retry_after)
                if status == 429:
                    self.budget.pause(op, delay)
                if self._can_retry(attempts, delay, deadline):
                    log.warning(
                        "%s %s: HTTP %s, retrying in %.1fs", op.method, op.name, status, delay
                    )
                    self._sleep(delay)
                    continue
            raise errors.from_response(
                status, _json(response), response.headers, retry_after=retry_after
            )

    def _retry_or_raise(
        self, op: Operation, attempts: int, deadline: float, exc: BaseException
    ) -> None:
        """Wait before the next attempt after a transport error, or raise when the budget is spent."""
        delay = self.retry.backoff(attempts)
        if not self._can_retry(attempts, delay, deadline):
            raise errors.TransportError(
                f"{op.name} failed after {attempts} attempt(s): {type(exc).__name__}"
            ) from None
        log.warning("%s %s: %s, retrying in %.1fs", op.method, op.name, type(exc).__name__, delay)
        self._sleep(delay)

    def _can_retry(self, attempts: int, delay: float, deadline: float) -> bool:
        return self.retry.has_attempts_left(attempts) and self._clock() + delay <= deadline

    def _send(
        self, op: Operation, url: str, params: Any, json_body: Any, token: str
    ) -> requests.Response:
        headers = {"Authorization": "Bearer " + token, "Accept": "application/json"}
        started = time.monotonic()
        response = self.session.request(
            op.method,
            url,
            params=params,
            json=json_body,
            headers=headers,
            timeout=(self.config.connect_timeout, self._read_timeout()),
        )
        log.debug(
            "%s %s -> %s in %.0f ms",
            op.method,
            urlsplit(url).path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response

    def _read_timeout(self) -> float:
        if self.deadline is None:
            return self.config.read_timeout
        return max(1.0, min(self.config.read_timeout, self.deadline - self._clock()))


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
