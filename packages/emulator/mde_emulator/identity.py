"""Registered apps and the emulator's Entra ID: signed JWT access tokens carrying audience and roles.

A model of Microsoft Entra ID as MDE clients meet it, each behaviour pinned by
tests/integration/emulator/test_identity_model.py:

- Client credentials at /{tenant}/oauth2/v2.0/token with scope <resource>/.default answer
  {token_type: Bearer, expires_in, ext_expires_in, access_token}, valid 3,599 s (mde-indicators-api.md
  §7 and §9.4, the sample response of exposed-apis-create-app-webapp.md).
- Access tokens are RS256 JWTs whose key is published at the discovery document's jwks_uri; for the MDE
  resource they are v1.0 tokens (iss https://sts.windows.net/{tid}/, appid, tid, roles with the app
  role Ti.ReadWrite or Ti.ReadWrite.All, idtyp app, uti): the token version follows the resource, not
  the endpoint (Microsoft identity platform, "Access token claims reference"; reference §7).
- Sign-in errors come in Entra's shape {error, error_description "AADSTS<n>: ...", error_codes,
  timestamp, trace_id, correlation_id} with the documented codes: 90002 unknown tenant, 70003 unsupported
  grant, 700016 unknown application, 7000215 wrong secret (401), 70011 invalid scope, 700027 a client
  assertion failing signature validation, 700021 an assertion for another client (Entra
  "authentication and authorization error codes" reference).
- Certificate credentials: a client assertion signed by the registered certificate's key, aud the token
  endpoint, iss and sub the client id (Microsoft identity platform "certificate credentials").
- Managed identity, App Service style: GET IDENTITY_ENDPOINT?resource=...&api-version=2019-08-01 with
  the X-IDENTITY-HEADER secret answers {access_token, expires_on (epoch seconds, a string), resource,
  token_type, client_id} (App Service "managed identities" REST protocol).
- A token expires by itself: an expired token (or one an expire-token fault names) is a 401 on the API
  (reference §7) while the app's other tokens stay valid.

Not modelled: delegated (user) tokens, conditional access, throttling of sign-ins, token caching by the
service, and any claim beyond those listed.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any, Dict, Iterable, List, Optional, Set

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from .store import Store

READ_WRITE = "Ti.ReadWrite"
READ_WRITE_ALL = "Ti.ReadWrite.All"


@dataclass
class App:
    client_id: str
    name: str
    role: Optional[str]
    secret: Optional[str] = None
    certificate_pem: Optional[str] = None
    managed_identity: Optional[str] = None  # "system", "user" or None

    def public(self) -> Dict[str, Any]:
        data = asdict(self)
        data.pop("secret")
        return data


class SignInError(Exception):
    """An OAuth error answered in Entra ID's shape."""

    def __init__(self, error: str, aadsts: int, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.aadsts, self.description, self.status = error, aadsts, description, status

    def body(self) -> Dict[str, Any]:
        trace = str(uuid.uuid4())
        return {
            "error": self.error,
            "error_description": f"AADSTS{self.aadsts}: {self.description} Trace ID: {trace}",
            "error_codes": [self.aadsts],
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
            "trace_id": trace,
            "correlation_id": str(uuid.uuid4()),
        }


class TokenRejected(Exception):
    """A bearer token that is missing, forged, expired or for another audience."""


class Identity:
    def __init__(
        self, store: Store, tenant_id: str, audiences: Iterable[str], token_lifetime: int
    ) -> None:
        self.store = store
        self.tenant_id = tenant_id
        self.audiences = {a.rstrip("/") for a in audiences}
        self.token_lifetime = token_lifetime
        self.identity_header = secrets.token_hex(16)
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_id = secrets.token_hex(8)
        self.apps: Dict[str, App] = {a["client_id"]: App(**a) for a in store.load_apps()}
        self.expired: Set[str] = set()

    # -- registry ---------------------------------------------------------------------------------
    def register(self, app: App) -> App:
        self.apps[app.client_id] = app
        self.store.save_app(app.client_id, asdict(app))
        return app

    def ensure_default_apps(self) -> App:
        """The app whose credentials the emulator prints (Ti.ReadWrite.All) and a system identity."""
        default = next((a for a in self.apps.values() if a.name == "mde-indicators-emulator"), None)
        if default is None:
            default = self.register(
                App(
                    str(uuid.uuid4()),
                    "mde-indicators-emulator",
                    READ_WRITE_ALL,
                    secret=secrets.token_urlsafe(32),
                )
            )
        if not any(a.managed_identity == "system" for a in self.apps.values()):
            self.register(
                App(
                    str(uuid.uuid4()),
                    "system-assigned-identity",
                    READ_WRITE,
                    managed_identity="system",
                )
            )
        return default

    # -- tokens -----------------------------------------------------------------------------------
    def issue(self, app: App, audience: str) -> Dict[str, Any]:
        now = int(time.time())
        claims = {
            "aud": audience,
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": now + self.token_lifetime,
            "appid": app.client_id,
            "azp": app.client_id,
            "app_displayname": app.name,
            "oid": app.client_id,
            "sub": app.client_id,
            "tid": self.tenant_id,
            "idtyp": "app",
            "ver": "1.0",
            "roles": [app.role] if app.role else [],
            "uti": secrets.token_urlsafe(16),
        }
        token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.key_id})
        return {
            "access_token": token,
            "expires_in": self.token_lifetime,
            "expires_on": claims["exp"],
        }

    def verify(self, token: str, audiences: Optional[Iterable[str]] = None) -> Dict[str, Any]:
        """The token's claims; `audiences` narrows the accepted audiences (those of the API host)."""
        accepted = sorted(audiences) if audiences is not None else sorted(self.audiences)
        try:
            claims: Dict[str, Any] = jwt.decode(
                token,
                self._key.public_key(),
                algorithms=["RS256"],
                audience=accepted,
                options={"require": ["exp", "aud", "appid", "tid"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRejected("The access token has expired.") from None
        except jwt.InvalidAudienceError:
            raise TokenRejected(
                f"The access token's audience is not valid for this host; expected "
                f"{' or '.join(accepted)}."
            ) from None
        except jwt.InvalidTokenError as exc:
            raise TokenRejected(f"The access token is invalid ({type(exc).__name__}).") from None
        if claims.get("uti") in self.expired or claims["appid"] not in self.apps:
            raise TokenRejected("The access token has expired.")
        return claims

    def expire(self, token: str) -> None:
        """Make this one token count as expired from now on (fault injection); others stay valid."""
        try:
            self.expired.add(str(self.verify(token).get("uti")))
        except TokenRejected:
            pass  # no valid token on this call (a sign-in request): nothing to expire

    def jwks(self) -> Dict[str, List[Dict[str, Any]]]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {"keys": [dict(public, kid=self.key_id, use="sig", alg="RS256")]}

    # -- client authentication --------------------------------------------------------------------
    def audience_for_scope(self, scope: str) -> str:
        for item in scope.split():
            if (
                item.endswith("/.default")
                and item[: -len("/.default")].rstrip("/") in self.audiences
            ):
                return item[: -len("/.default")].rstrip("/")
        raise SignInError(
            "invalid_scope", 70011, f"The provided value for scope {scope} is not valid."
        )

    def authenticate(self, form: Dict[str, str], token_endpoint: str) -> App:
        if form.get("grant_type") != "client_credentials":
            raise SignInError(
                "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
            )
        app = self.apps.get(form.get("client_id", ""))
        if app is None or app.managed_identity:
            raise SignInError(
                "unauthorized_client", 700016, "Application was not found in the directory."
            )
        if "client_assertion" in form:
            self._check_assertion(app, form, token_endpoint)
        elif not app.secret or not secrets.compare_digest(
            form.get("client_secret", ""), app.secret
        ):
            raise SignInError(
                "invalid_client", 7000215, "Invalid client secret provided.", status=401
            )
        return app

    def _check_assertion(self, app: App, form: Dict[str, str], token_endpoint: str) -> None:
        if (
            form.get("client_assertion_type")
            != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            raise SignInError("invalid_request", 900023, "Unsupported client_assertion_type.")
        if not app.certificate_pem:
            raise SignInError(
                "invalid_client", 700027, "No certificate is registered for this application.", 401
            )
        public_key = x509.load_pem_x509_certificate(app.certificate_pem.encode()).public_key()
        try:
            claims = jwt.decode(
                form["client_assertion"],
                public_key,  # type: ignore[arg-type]
                algorithms=["RS256", "PS256"],
                audience=token_endpoint,
                options={"require": ["exp", "aud", "iss", "sub"]},
            )
        except jwt.InvalidTokenError as exc:
            raise SignInError(
                "invalid_client",
                700027,
                f"Client assertion failed signature validation ({type(exc).__name__}).",
                401,
            ) from None
        if claims["iss"] != app.client_id or claims["sub"] != app.client_id:
            raise SignInError(
                "invalid_client",
                700021,
                "Client assertion issuer or subject does not match the client.",
                401,
            )

    def managed_identity(self, client_id: Optional[str]) -> App:
        for app in self.apps.values():
            if client_id and app.managed_identity == "user" and app.client_id == client_id:
                return app
            if not client_id and app.managed_identity == "system":
                return app
        raise SignInError(
            "invalid_request", 700016, "No managed identity matches the request.", status=400
        )
