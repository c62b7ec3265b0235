"""Access tokens through msal: client secret, certificate (PEM with key) or managed identity.

msal caches tokens and renews them five minutes before expiry; invalidate() drops the cache after a 401.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from typing import Any, Dict, Optional

import msal
import requests

from .clouds import Endpoints
from .config import SYSTEM_IDENTITY, ClientConfig
from .errors import AuthenticationError, ConfigurationError

_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.S)
_PEM_KEY = re.compile(
    rb"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----.+?-----END (?:[A-Z]+ )?PRIVATE KEY-----", re.S
)


def certificate_credential(path: str, password: Optional[str] = None) -> Dict[str, Any]:
    """msal credential dict from a PEM file holding the certificate and its private key."""
    try:
        with open(path, "rb") as fh:
            pem = fh.read()
    except OSError as exc:
        raise ConfigurationError(
            f"Cannot read the client certificate {path}: {exc.strerror}"
        ) from None
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
    reason = description[0] if description else "no token returned"
    return AuthenticationError(
        f"Sign-in failed: {result.get('error', 'error')}: {reason}",
        code=str(result.get("error") or "SignInFailed"),
        request_id=result.get("correlation_id"),
    )


class TokenProvider:
    """Hands out a valid bearer token; thread-safe."""

    def __init__(
        self, config: ClientConfig, endpoints: Endpoints, session: requests.Session
    ) -> None:
        self._config = config
        self._endpoints = endpoints
        self._session = session
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

    def token(self) -> str:
        with self._lock:
            try:
                if self._app is None:
                    self._app = (
                        self._build()
                    )  # msal fetches the authority's OpenID configuration here
                if isinstance(self._app, msal.ManagedIdentityClient):
                    result = self._app.acquire_token_for_client(resource=self._endpoints.resource)
                else:
                    result = self._app.acquire_token_for_client(scopes=[self._endpoints.scope])
            except ConfigurationError:
                raise
            except Exception as exc:
                raise AuthenticationError(
                    f"Sign-in failed: {type(exc).__name__}: {_safe(exc)}"
                ) from None
            if not result or "access_token" not in result:
                raise _failure(result or {})
            return str(result["access_token"])

    def invalidate(self) -> None:
        """Forget cached tokens so that the next token() signs in again (after a 401)."""
        with self._lock:
            self._app = None


def _safe(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text[:300]
