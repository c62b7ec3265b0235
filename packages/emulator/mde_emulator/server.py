"""Run the emulator: a locally generated CA, HTTPS on cheroot's threaded server, and the client env.

werkzeug is the toolkit (routing, requests, responses); cheroot serves it because it keeps HTTP/1.1
connections alive (werkzeug's server closes each one, a TLS handshake per call: 20x slower).

A client that connects and sends nothing must not stop the emulator answering others: the TLS handshake
is left to the worker that reads the connection's first bytes (cheroot does it in its one accept loop),
new connections wait in the selector like idle kept-alive ones, and past max_connections the least
recently used idle one is closed. Request headers and bodies are bounded too.

EmulatorServer is used by the CLI (`mde-indicators emulator`), the tests, the demo and the benchmarks.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import stat
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import requests
import trustme
from cheroot import connections, wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from mde_indicators.model import Model, load_model

from .app import ADMIN_HEADER, SOCKET_KEY, Emulator
from .faults import parse_fault
from .identity import App, Identity
from .indicators import IndicatorsApi
from .limits import RateLimiter, parse_mode
from .store import Store

logging.getLogger("odata_query").setLevel(logging.ERROR)


class _Gateway(wsgi.Gateway_10):
    """Exposes the connection's socket to the app, which resets it to inject a connection fault."""

    def get_environ(self) -> Dict[str, Any]:
        environ: Dict[str, Any] = super().get_environ()
        environ[SOCKET_KEY] = self.req.conn.socket
        return environ


class _LazyTLS(BuiltinSSLAdapter):
    """Wraps a new connection without the handshake, which OpenSSL then runs on the first read, in a
    worker: cheroot's accept loop would otherwise wait on a silent client for the whole timeout."""

    def wrap(self, sock: socket.socket) -> Tuple[Any, Dict[str, Any]]:
        wrapped = self.context.wrap_socket(sock, do_handshake_on_connect=False, server_side=True)
        return wrapped, {"wsgi.url_scheme": "https", "HTTPS": "on"}


class _Connections(connections.ConnectionManager):
    """New connections wait in the selector, as idle kept-alive ones do, until they send something;
    beyond the server's max_connections the least recently used idle one is closed."""

    def _from_server_socket(self, server_socket: Any) -> None:
        conn = super()._from_server_socket(server_socket)
        if conn is None:
            return None
        limit = getattr(self.server, "max_connections", 0)
        if limit and self._num_connections >= limit:
            self._expire_oldest()
        self.put(conn)
        return None

    def _expire_oldest(self) -> None:
        idle = [
            (c.last_used, fd, c) for fd, c in self._selector.connections if c is not self.server
        ]
        if idle:
            _, fd, oldest = min(idle, key=lambda t: t[0])
            self._selector.unregister(fd)
            oldest.close()


class _Server(wsgi.Server):
    """The request log is ours (JSON lines); cheroot's error log would only repeat injected resets."""

    max_connections = 0

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        logging.getLogger("mde_emulator.server").debug("%s", msg)

    def prepare(self) -> None:
        super().prepare()
        self._connections.close()
        self._connections = _Connections(self)


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 0
    data: str = ":memory:"
    limits: str = "documented"
    faults: List[str] = field(default_factory=list)
    apps: List[Dict[str, Any]] = field(default_factory=list)
    token_lifetime: Optional[int] = None
    cap: Optional[int] = None
    request_log: Optional[str] = None
    state_dir: Optional[str] = None
    # Open connections kept (beyond it the least recently used idle one is closed), and the largest
    # request accepted: a 500-item import at the schema's longest field values is far below it.
    max_connections: int = 512
    max_body_bytes: int = 16 * 1024 * 1024
    max_header_bytes: int = 64 * 1024


def parse_app_spec(spec: str) -> Dict[str, Any]:
    """--app name=reader,role=Ti.ReadWrite[,secret=S][,client-id=ID][,certificate=PEM][,managed-identity=user]"""
    data: Dict[str, Any] = {}
    for part in spec.split(","):
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"--app {spec!r}: expected key=value pairs")
        data[key.strip().replace("-", "_")] = value.strip()
    if "name" not in data:
        raise ValueError(f"--app {spec!r}: name= is required")
    return data


class EmulatorServer:
    def __init__(self, settings: Optional[Settings] = None, model: Optional[Model] = None) -> None:
        self.settings = settings or Settings()
        self.model = model or load_model()
        s = self.settings
        self.store = Store(s.data, self.model)
        tenant = self.store.meta("tenant_id") or str(uuid.uuid4())
        self.store.set_meta("tenant_id", tenant)
        self.admin_key = self.store.meta("admin_key") or secrets.token_hex(16)
        self.store.set_meta("admin_key", self.admin_key)
        audiences = {c.resource for c in self.model.clouds.values()} | {
            c.api_url for c in self.model.clouds.values()
        }
        lifetime = s.token_lifetime or self.model.token_lifetime_seconds
        self.identity = Identity(self.store, tenant, audiences, lifetime)
        self.default_app = self.identity.ensure_default_apps()
        for app_spec in s.apps:
            self.register_app(**app_spec)
        cap = s.cap or self.model.max_active_indicators
        self.limiter = RateLimiter(parse_mode(s.limits))
        self.app = Emulator(
            self.model,
            self.identity,
            IndicatorsApi(self.model, self.store, cap),
            self.limiter,
            self.admin_key,
        )
        for spec in s.faults:
            self.app.faults.add(parse_fault(spec, self.model))
        if s.request_log:
            self.app.log_file = open(s.request_log, "a", encoding="utf-8")
        self.state_dir = s.state_dir or tempfile.mkdtemp(prefix="mde-emulator-")
        self.ca = trustme.CA(organization_name="mde-indicators emulator")
        self.ca_file = os.path.join(self.state_dir, "emulator-ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_file)
        leaf = self.ca.issue_cert("127.0.0.1", "localhost", "::1")
        cert_file, key_file = (
            os.path.join(self.state_dir, n) for n in ("emulator-cert.pem", "emulator-key.pem")
        )
        leaf.cert_chain_pems[0].write_to_path(cert_file)
        leaf.private_key_pem.write_to_path(key_file)
        # Each kept-alive connection holds a worker until it idles out: many threads, short idle timeout.
        self.server = _Server(
            (s.host, s.port), self.app, numthreads=64, server_name="mde-emulator", timeout=3
        )
        self.server.gateway = _Gateway
        self.server.ssl_adapter = _LazyTLS(cert_file, key_file)
        self.server.max_connections = s.max_connections
        self.server.max_request_body_size = s.max_body_bytes
        self.server.max_request_header_size = s.max_header_bytes
        self.server.prepare()
        self.port = int(self.server.bind_addr[1])
        self._thread: Optional[threading.Thread] = None

    def register_app(
        self,
        name: str,
        role: Optional[str] = None,
        secret: Optional[str] = None,
        client_id: Optional[str] = None,
        certificate: Optional[str] = None,
        managed_identity: Optional[str] = None,
    ) -> App:
        pem = None
        if certificate:
            with open(certificate, encoding="ascii") as fh:
                pem = fh.read()
        if secret is None and not certificate and not managed_identity:
            secret = secrets.token_urlsafe(32)
        return self.identity.register(
            App(client_id or str(uuid.uuid4()), name, role or None, secret, pem, managed_identity)
        )

    @property
    def base_url(self) -> str:
        host = self.settings.host if self.settings.host not in ("0.0.0.0", "::") else "127.0.0.1"  # noqa: S104
        return f"https://{host}:{self.port}"

    def env(self, app: Optional[App] = None) -> Dict[str, str]:
        """Everything a client needs, as MDE_* variables (for the default app unless another is given)."""
        app = app or self.default_app
        env = {
            "MDE_API_URL": self.base_url,
            "MDE_AUTHORITY_URL": self.base_url,
            "MDE_CA_BUNDLE": self.ca_file,
            "MDE_TENANT_ID": self.identity.tenant_id,
            "MDE_CLIENT_ID": app.client_id,
            "MDE_CLIENT_SECRET": app.secret or "",
            "MDE_EMULATOR_ADMIN_KEY": self.admin_key,
            "IDENTITY_ENDPOINT": f"{self.base_url}/msi/token",
            "IDENTITY_HEADER": self.identity.identity_header,
        }
        if self.limiter.scale not in (None, 1.0):
            env["MDE_RATE_LIMIT_SCALE"] = f"{self.limiter.scale:g}"
        return env

    def write_env(self, path: str) -> None:
        """Write the settings (a client secret among them) to path, readable by us alone.

        A symlink is refused (it could point anywhere); the file is written under a fresh name (O_EXCL,
        mode 600) and renamed over path, so whatever was there before (a file others can read, a file
        another user owns) is replaced, never written into."""
        if os.path.islink(path):
            raise ValueError(
                f"--env-file {path} is a symbolic link; give the path of a regular file"
            )
        if os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode):
            raise ValueError(f"--env-file {path} is not a regular file")
        fd, temporary = tempfile.mkstemp(
            prefix=".mde-env-", dir=os.path.dirname(os.path.abspath(path))
        )
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.writelines(f"{k}={v}\n" for k, v in self.env().items())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise

    def start(self) -> EmulatorServer:
        self._thread = threading.Thread(target=self.server.serve, name="mde-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self.app.log_file:
            self.app.log_file.close()
        self.store.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- admin API, for tests and benchmarks --------------------------------------------------------
    def admin(self, method: str, what: str, body: Any = None) -> Any:
        response = requests.request(
            method,
            f"{self.base_url}/_emulator/{what}",
            json=body,
            headers={ADMIN_HEADER: self.admin_key},
            verify=self.ca_file,
            timeout=30,
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def requests_log(self) -> List[Dict[str, Any]]:
        return list(self.app.log)
