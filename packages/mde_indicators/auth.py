"""Access tokens through msal: client secret, certificate (PEM with key) or managed identity.

msal caches tokens and renews them five minutes before expiry; invalidate() drops the cache after a 401.
msal talks through our session (session.py: deadlines, no redirects). A sign-in that cannot reach the
service (refused, reset, timed out) is retried like an API call and, in the end, reported as a network
error (TransportError), not as a rejected credential.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time
from typing import Any, Callable, Dict, Optional
from urllib.parse import urlsplit

import msal
import requests

from .clouds import Endpoints
from .config import SYSTEM_IDENTITY, ClientConfig, read_private_file
from .errors import AuthenticationError, ConfigurationError, MdeIndicatorsError, TransportError
from .redact import upstream_text
from .retry import RetryPolicy
from .session import call_budget, untrusted, verification_failure

_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.S)
_PEM_KEY = re.compile(
    rb"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----.+?-----END (?:[A-Z]+ )?PRIVATE KEY-----", re.S
)


def certificate_credential(path: str, password: Optional[str] = None) -> Dict[str, Any]:
    """msal credential dict from a PEM file holding the certificate and its private key."""
    pem = read_private_file(path, "client certificate")
    cert = _PEM_CERT.search(pem)
    key = _PEM_KEY.search(pem)
    if not cert or not key:
        raise ConfigurationError(f"{path} must hold a PEM certificate and its private key.")
    if b"BEGIN EC PRIVATE KEY" in key.group(0):
        raise ConfigurationError(
            f"{path} holds an EC key; Entra ID app certificates need an RSA key."
        )
    der = base64.b64decode(b"".join(cert.group(1).split()))
    credential: Dict[str, Any] = {
        "private_key": key.group(0).decode("ascii"),
        "thumbprint": hashlib.sha1(der).hexdigest(),  # noqa: S324 - x5t is defined as SHA-1
        "public_certificate": cert.group(0).decode("ascii"),
    }
    if password:
        credential["passphrase"] = password
    return credential


def _failure(result: Dict[str, Any]) -> AuthenticationError:
    # AAD descriptions carry trace and correlation ids, never the credential; keep the first line.
    description = str(result.get("error_description") or "").splitlines()
    reason = upstream_text(description[0] if description else "no token returned")
    error = upstream_text(result.get("error"), 100) or "error"
    return AuthenticationError(
        f"Sign-in failed: {error}: {reason}",
        code=error if result.get("error") else "SignInFailed",
        request_id=upstream_text(result.get("correlation_id"), 100) or None,
    )


class TokenProvider:
    """Hands out a valid bearer token; thread-safe."""

    def __init__(
        self,
        config: ClientConfig,
        endpoints: Endpoints,
        session: requests.Session,
        *,
        retry: Optional[RetryPolicy] = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._endpoints = endpoints
        self._session = session
        self._retry = retry or RetryPolicy(
            (), max_attempts=config.max_attempts, max_total=config.max_retry_seconds
        )
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._app: Any = None

    def _build(self) -> Any:
        config = self._config
        kind = config.credential_kind
        if kind == "managed_identity":
            identity: Any = (
                msal.SystemAssignedManagedIdentity()
                if config.managed_identity == SYSTEM_IDENTITY
                else msal.UserAssignedManagedIdentity(client_id=config.managed_identity)
            )
            return msal.ManagedIdentityClient(
                identity, http_client=self._session, token_cache=msal.TokenCache()
            )
        credential: Any = config.client_secret
        if kind == "certificate":
            credential = certificate_credential(
                str(config.client_certificate), config.client_certificate_password
            )
        return msal.ConfidentialClientApplication(
            config.client_id,
            client_credential=credential,
            authority=self._endpoints.authority(str(config.tenant_id)),
            http_client=self._session,
            # A custom authority (sovereign override, local emulator) is not in Microsoft's instance list.
            instance_discovery=not config.authority_url,
        )

    def token(self, within: Optional[float] = None) -> str:
        """A valid access token; sign-in attempts end within `within` seconds (max_retry_seconds)."""
        budget = self._config.max_retry_seconds if within is None else within
        with self._lock:
            deadline = self._clock() + budget
            attempts = 0
            while True:
                attempts += 1
                try:
                    with call_budget(deadline - self._clock()):
                        result = self._acquire()
                    break
                except MdeIndicatorsError:
                    raise
                except requests.RequestException as exc:
                    self._retry_or_raise(exc, attempts, deadline)
                except Exception as exc:
                    raise AuthenticationError(
                        f"Sign-in failed: {type(exc).__name__}: {upstream_text(_first_line(exc), 300)}"
                    ) from None
            if not result or "access_token" not in result:
                raise _failure(result or {})
            return str(result["access_token"])

    def _acquire(self) -> Any:
        if self._app is None:
            self._app = self._build()  # msal fetches the authority's OpenID configuration here
        if isinstance(self._app, msal.ManagedIdentityClient):
            return self._app.acquire_token_for_client(resource=self._endpoints.resource)
        return self._app.acquire_token_for_client(scopes=[self._endpoints.scope])

    def _retry_or_raise(self, exc: BaseException, attempts: int, deadline: float) -> None:
        host = self._sign_in_host()
        reason = (
            verification_failure(exc) if isinstance(exc, requests.exceptions.SSLError) else None
        )
        if reason:
            raise TransportError("Sign-in: " + untrusted(host, reason)) from None
        delay = self._retry.backoff(attempts)
        if self._retry.has_attempts_left(attempts) and self._clock() + delay <= deadline:
            self._sleep(delay)
            return
        raise TransportError(
            f"Sign-in at {host} failed after {attempts} attempt(s): {type(exc).__name__} "
            "(a network problem, not a rejected credential)"
        ) from None

    def _sign_in_host(self) -> str:
        if self._config.credential_kind == "managed_identity":
            return "the managed identity endpoint"
        return urlsplit(self._endpoints.authority(str(self._config.tenant_id))).netloc

    def invalidate(self) -> None:
        """Forget cached tokens so that the next token() signs in again (after a 401)."""
        with self._lock:
            self._app = None


def _first_line(exc: Exception) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else ""
