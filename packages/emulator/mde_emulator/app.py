"""The emulator's WSGI application: sign-in endpoints, the Indicators API, faults, limits, request log, admin.

Routing and request parsing are werkzeug's; every API call is authenticated, rate limited, possibly
faulted, and logged as one JSON line.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
import uuid
from collections import deque
from typing import Any, Callable, Deque, Dict, FrozenSet, Iterable, Optional
from urllib.parse import urlencode, urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from mde_indicators.model import Model

from .faults import SPOILERS, Fault, FaultInjector, op_alias, parse_fault
from .identity import READ_WRITE, READ_WRITE_ALL, App, Identity, SignInError, TokenRejected
from .indicators import ApiFailure, Caller, IndicatorsApi
from .limits import RateLimiter, parse_mode, retry_after_headers

ADMIN_HEADER = "X-Emulator-Admin-Key"
SOCKET_KEY = "mde_emulator.socket"


class ConnectionAborted(ConnectionError):
    """Raised after the socket was reset on purpose; the server then writes nothing."""


def _json(body: Any, status: int = 200, headers: Optional[Dict[str, str]] = None) -> Response:
    return Response(
        json.dumps(body),
        status=status,
        headers=headers,
        content_type="application/json; charset=utf-8",
    )


def _envelope(
    status: int, code: str, message: str, headers: Optional[Dict[str, str]] = None
) -> Response:
    return _json(
        {"error": {"code": code, "message": message, "target": str(uuid.uuid4())}}, status, headers
    )


def _routes(model: Model) -> Map:
    rules = [
        Rule("/<tenant>/v2.0/.well-known/openid-configuration", endpoint="oidc"),
        Rule("/<tenant>/.well-known/openid-configuration", endpoint="oidc"),
        Rule("/<tenant>/oauth2/v2.0/token", endpoint="token", methods=["POST"]),
        Rule("/<tenant>/discovery/v2.0/keys", endpoint="jwks"),
        Rule("/msi/token", endpoint="msi"),
        Rule("/_emulator/<what>", endpoint="admin", methods=["GET", "POST", "DELETE"]),
    ]
    for prefix in (model.path_prefix, model.versioned_path_prefix):
        for name, op in model.operations.items():
            path = prefix + op.path.replace("{id}", "<indicator_id>")
            rules.append(Rule(path, endpoint=name, methods=[op.method]))
    return Map(rules, strict_slashes=False)


def host_audiences(model: Model) -> Dict[str, FrozenSet[str]]:
    """API host -> the token audiences the cloud table gives for it (gcc-high and dod share one)."""
    out: Dict[str, set] = {}
    for cloud in model.clouds.values():
        for url in (cloud.api_url, *cloud.regions.values()):
            host = (urlsplit(url).hostname or "").lower()
            out.setdefault(host, set()).add(cloud.resource.rstrip("/"))
    return {host: frozenset(audiences) for host, audiences in out.items()}


class Emulator:
    def __init__(
        self,
        model: Model,
        identity: Identity,
        api: IndicatorsApi,
        limiter: RateLimiter,
        admin_key: str,
    ) -> None:
        self.model = model
        self.identity = identity
        self.api = api
        self.limiter = limiter
        self.admin_key = admin_key
        self.faults = FaultInjector()
        self.routes = _routes(model)
        self.host_audiences = host_audiences(model)
        self.log: Deque[Dict[str, Any]] = deque(maxlen=200_000)
        self.log_file: Optional[Any] = None
        self._log_lock = threading.Lock()

    # -- WSGI -------------------------------------------------------------------------------------
    def __call__(
        self, environ: Dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        entry: Dict[str, Any] = {"ts": time.time(), "method": request.method, "path": request.path}
        try:
            adapter = self.routes.bind_to_environ(environ)
            endpoint, values = adapter.match()
            entry["op"] = endpoint
            response = self.dispatch(request, endpoint, dict(values), entry)
        except ConnectionAborted:
            entry.setdefault("status", "reset")
            self.record(entry)
            raise
        except HTTPException as exc:
            code = "NotFound" if exc.code == 404 else "BadRequest"
            response = _envelope(exc.code or 400, code, exc.description or code)
        entry["status"] = response.status_code
        if entry.get("op") != "admin":
            self.record(entry)
        return response(environ, start_response)

    def record(self, entry: Dict[str, Any]) -> None:
        with self._log_lock:
            self.log.append(entry)
            if self.log_file:
                self.log_file.write(json.dumps(entry) + "\n")
                self.log_file.flush()

    def dispatch(
        self, request: Request, endpoint: str, values: Dict[str, str], entry: Dict[str, Any]
    ) -> Response:
        if endpoint == "admin":
            return self.admin(request, values["what"])
        if endpoint in ("oidc", "token", "jwks", "msi"):
            fault = self.faults.take("token", is_api=False)
            if fault:
                entry["fault"] = fault.spec
                return self.apply_fault(request, fault) or self.signin(request, endpoint, values)
            return self.signin(request, endpoint, values)
        return self.call_api(request, endpoint, values, entry)

    # -- sign-in ----------------------------------------------------------------------------------
    def signin(self, request: Request, endpoint: str, values: Dict[str, str]) -> Response:
        base = request.host_url.rstrip("/")
        try:
            if endpoint == "msi":
                return self.msi(request)
            tenant = values["tenant"]
            if tenant not in (self.identity.tenant_id, "organizations", "common"):
                raise SignInError("invalid_request", 90002, f"Tenant '{tenant}' not found.")
            if endpoint == "jwks":
                return _json(self.identity.jwks())
            if endpoint == "oidc":
                return _json(self.discovery(base, tenant))
            token_endpoint = f"{base}/{tenant}/oauth2/v2.0/token"
            app = self.identity.authenticate(request.form.to_dict(), token_endpoint)
            audience = self.identity.audience_for_scope(request.form.get("scope", ""))
            issued = self.identity.issue(app, audience)
            return _json(
                {
                    "token_type": "Bearer",
                    "expires_in": issued["expires_in"],
                    "ext_expires_in": issued["expires_in"],
                    "access_token": issued["access_token"],
                }
            )
        except SignInError as exc:
            return _json(exc.body(), exc.status)

    def discovery(self, base: str, tenant: str) -> Dict[str, Any]:
        return {
            "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
            "issuer": f"{base}/{self.identity.tenant_id}/v2.0",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "tenant_region_scope": "EU",
        }

    def msi(self, request: Request) -> Response:
        if request.headers.get("X-IDENTITY-HEADER") != self.identity.identity_header:
            return _json(
                {"statusCode": 401, "message": "X-IDENTITY-HEADER is missing or wrong."}, 401
            )
        resource = (request.args.get("resource") or "").rstrip("/")
        if resource not in self.identity.audiences:
            return _json({"statusCode": 400, "message": f"Unknown resource {resource}."}, 400)
        app = self.identity.managed_identity(request.args.get("client_id"))
        issued = self.identity.issue(app, resource)
        return _json(
            {
                "access_token": issued["access_token"],
                "expires_on": str(issued["expires_on"]),
                "resource": resource,
                "token_type": "Bearer",
                "client_id": app.client_id,
            }
        )

    # -- API --------------------------------------------------------------------------------------
    def authenticate(self, request: Request) -> Caller:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise ApiFailure(401, "Unauthorized", "Unauthorized (missing authorization header).")
        # A request to a cloud's API host (as a Logic App or a proxy sends it) needs that cloud's
        # audience; the emulator's own address stands for every cloud.
        host = (urlsplit(f"//{request.host}").hostname or "").lower()
        try:
            claims = self.identity.verify(
                header[len("Bearer ") :].strip(), self.host_audiences.get(host)
            )
        except TokenRejected as exc:
            raise ApiFailure(401, "Unauthorized", f"Unauthorized ({exc})") from None
        app = self.identity.apps[claims["appid"]]
        if not set(claims.get("roles") or ()) & {READ_WRITE, READ_WRITE_ALL}:
            raise ApiFailure(403, "Forbidden", self.model.errors["Forbidden"].message)
        return Caller(app, claims["tid"])

    def call_api(
        self, request: Request, endpoint: str, values: Dict[str, str], entry: Dict[str, Any]
    ) -> Response:
        op = self.model.operations[endpoint]
        try:
            caller = self.authenticate(request)
            entry["app"] = caller.app.client_id
            wait = self.limiter.check(caller.tenant, caller.app.client_id, op)
            if wait is not None:
                entry["retry_after"] = wait
                message = self.model.errors["TooManyRequests"].message
                return _envelope(
                    429,
                    "TooManyRequests",
                    message,
                    retry_after_headers(wait, precise=self.limiter.scale != 1.0),
                )
            fault = self.faults.take(op_alias(endpoint), is_api=True)
            partial = None
            if fault:
                entry["fault"] = fault.spec
                if fault.kind == "partial":
                    partial = fault
                elif fault.kind not in SPOILERS:
                    faulted = self.apply_fault(request, fault)
                    if faulted is not None:
                        return faulted
            response = self.run(request, endpoint, values, caller, partial, entry)
            if fault and fault.kind in SPOILERS:
                return self.spoil(request, response, fault, entry)
            return response
        except ApiFailure as exc:
            return _envelope(exc.status, exc.code, exc.message)

    def run(
        self,
        request: Request,
        endpoint: str,
        values: Dict[str, str],
        caller: Caller,
        partial: Optional[Fault],
        entry: Dict[str, Any],
    ) -> Response:
        base = request.host_url.rstrip("/") + (
            self.model.versioned_path_prefix
            if request.path.startswith(self.model.versioned_path_prefix)
            else self.model.path_prefix
        )
        context = f"{base}/$metadata#{self.model.entity_set}"
        if endpoint == "ListIndicators":
            rows, more, top, skip = self.api.list(caller, request.args.to_dict())
            body: Dict[str, Any] = {"@odata.context": context, "value": rows}
            if more:
                args = request.args.to_dict()
                args.update({"$top": str(top), "$skip": str(skip + top)})
                body["@odata.nextLink"] = f"{base}/indicators?{urlencode(args, safe='$')}"
            entry["items"] = len(rows)
            return _json(body)
        if endpoint == "GetIndicator":
            return _json(
                {
                    "@odata.context": context + "/$entity",
                    **self.api.get(caller, values["indicator_id"]),
                }
            )
        if endpoint == "DeleteIndicator":
            self.api.delete(caller, values["indicator_id"])
            return Response(status=204)
        payload = self.body(request)
        if endpoint == "SubmitIndicator":
            entry["items"] = 1
            return _json(
                {"@odata.context": context + "/$entity", **self.api.submit(caller, payload)}
            )
        if endpoint == "ImportIndicators":
            results = self.api.import_(caller, payload, partial)
            entry["items"] = len(results)
            entry["failed"] = sum(1 for r in results if r[self.model.import_result["failed"]])
            return _json({"value": results})
        entry["items"] = (
            len(payload.get(self.model.operations[endpoint].body_key, []) or [])
            if isinstance(payload, dict)
            else 0
        )
        self.api.batch_delete(caller, payload)
        return Response(status=204)

    def body(self, request: Request) -> Any:
        try:
            return json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            raise ApiFailure(
                400, "InvalidRequestBody", self.model.errors["InvalidRequestBody"].message
            ) from None

    # -- faults -----------------------------------------------------------------------------------
    def apply_fault(self, request: Request, fault: Fault) -> Optional[Response]:
        """A response standing in for the real one, or None to go on (after a delay)."""
        if fault.kind == "reset":
            sock = request.environ.get(SOCKET_KEY)
            if sock is not None:
                # Linger 0 makes the final close send RST; shutdown cuts the stream now, even though
                # the server's file objects still hold the descriptor.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)
            raise ConnectionAborted("connection reset (injected)")
        if fault.kind == "slow":
            time.sleep(fault.delay)
            return None
        if fault.kind == "expire-token":  # the token this call carries expires, as a real one would
            self.identity.expire(request.headers.get("Authorization", "")[len("Bearer ") :].strip())
            return _envelope(401, "Unauthorized", "Unauthorized (the access token has expired).")
        if fault.kind == "html":
            page = "<html><head><title>Sign in to continue</title></head><body>Proxy</body></html>"
            return Response(page, status=200, content_type="text/html; charset=utf-8")
        status = fault.status or 500
        code = (
            "TooManyRequests"
            if status == 429
            else ("InternalServerError" if status == 500 else "ServiceUnavailable")
        )
        headers = (
            retry_after_headers(fault.retry_after, precise=fault.retry_after % 1 != 0, minimum=0)
            if status in (429, 503)
            else None
        )
        return _envelope(status, code, f"Injected fault: HTTP {status}.", headers)

    def spoil(
        self, request: Request, response: Response, fault: Fault, entry: Dict[str, Any]
    ) -> Response:
        """The answer of a call that was done, spoiled as the fault says."""
        body = response.get_data()
        if fault.kind == "truncate":
            sock = request.environ.get(SOCKET_KEY)
            if sock is not None:
                head = (
                    f"HTTP/1.1 {response.status}\r\nContent-Type: {response.content_type}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n"
                ).encode("latin-1")
                sock.sendall(head + body[: len(body) // 2])
                sock.shutdown(socket.SHUT_RDWR)
            entry["status"] = "truncated"
            raise ConnectionAborted("response cut off mid-body (injected)")
        data = json.loads(body) if body else {}
        if fault.kind == "reorder" and isinstance(data.get("value"), list):
            data["value"].reverse()
            return _json(data, response.status_code)
        return _json({"result": data, "note": "not the documented shape (injected)"})

    # -- admin ------------------------------------------------------------------------------------
    def admin(self, request: Request, what: str) -> Response:
        if request.headers.get(ADMIN_HEADER) != self.admin_key:
            return _envelope(401, "Unauthorized", f"The admin API needs the {ADMIN_HEADER} header.")
        handler = getattr(self, f"admin_{what}", None)
        if handler is None:
            return _envelope(404, "NotFound", f"No admin endpoint {what}.")
        try:
            return handler(request)
        except (ValueError, KeyError, TypeError) as exc:
            return _envelope(400, "BadRequest", str(exc))

    def admin_requests(self, request: Request) -> Response:
        if request.method == "DELETE":
            with self._log_lock:
                self.log.clear()
            return Response(status=204)
        with self._log_lock:
            return _json({"value": list(self.log)})

    def admin_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
            return Response(status=204)
        if request.method == "POST":
            specs = request.get_json()["spec"]
            for spec in [specs] if isinstance(specs, str) else specs:
                self.faults.add(parse_fault(spec, self.model))
        return _json({"value": [f.describe() for f in self.faults.faults]})

    def admin_apps(self, request: Request) -> Response:
        if request.method == "POST":
            data = request.get_json()
            app = App(
                client_id=data.get("clientId") or str(uuid.uuid4()),
                name=data["name"],
                role=data.get("role"),
                secret=data.get("secret"),
                certificate_pem=data.get("certificatePem"),
                managed_identity=data.get("managedIdentity"),
            )
            self.identity.register(app)
            return _json({"clientId": app.client_id, "secret": app.secret, **app.public()})
        return _json({"value": [a.public() for a in self.identity.apps.values()]})

    def admin_indicators(self, request: Request) -> Response:
        return _json({"value": self.api.store.all_rows()})

    def admin_seed(self, request: Request) -> Response:
        data = request.get_json()
        app = self.identity.apps[data["clientId"]]
        created = self.api.seed(
            app, self.identity.tenant_id, int(data["count"]), data.get("fields") or {}
        )
        return _json({"created": created})

    def admin_limits(self, request: Request) -> Response:
        self.limiter.scale = parse_mode(request.get_json()["mode"])
        self.limiter.reset()
        return _json({"scale": self.limiter.scale})

    def admin_reset(self, request: Request) -> Response:
        self.api.store.clear()
        self.faults.clear()
        self.limiter.reset()
        with self._log_lock:
            self.log.clear()
        return Response(status=204)
