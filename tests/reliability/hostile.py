"""Hostile loopback servers for the hardening suite, and where its figures go.

A HostileServer speaks TLS with a certificate from a CA the test chooses (an attacker's, or one the client
was told to trust) and answers each request with a behaviour: silence, a byte a second, a redirect, an
echo of the caller's headers. It records every request it received, so a test can assert that a secret or
a token never reached it. These stand in for attackers and broken networks, not for a platform, so they
model nothing but the attack.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest
import trustme

from mde_indicators_build.paths import BUILD


@dataclass
class Received:
    method: str
    path: str
    headers: Dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        head = "\r\n".join(f"{k}: {v}" for k, v in self.headers.items())
        return f"{self.method} {self.path}\r\n{head}\r\n\r\n" + self.body.decode("utf-8", "replace")


Behaviour = Callable[["HostileServer", Received, ssl.SSLSocket], None]


@dataclass
class HostileServer:
    """A TLS server on 127.0.0.1 answering every request with `behaviour`."""

    behaviour: Behaviour
    ca: trustme.CA = field(default_factory=trustme.CA)
    received: List[Received] = field(default_factory=list)
    handshakes: int = 0

    def __post_init__(self) -> None:
        self.stopping = threading.Event()
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(self.context)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self._threads: List[threading.Thread] = []
        self._connections: List[socket.socket] = []

    def ca_file(self, folder: Path) -> str:
        path = folder / f"hostile-ca-{self.port}.pem"
        self.ca.cert_pem.write_to_path(str(path))
        return str(path)

    def __enter__(self) -> HostileServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stopping.set()
        self.listener.close()
        for conn in list(self._connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            self._connections.append(raw)
            thread = threading.Thread(target=self._serve, args=(raw,), daemon=True)
            thread.start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            raw.settimeout(30)
            conn = self.context.wrap_socket(raw, server_side=True)
            self.handshakes += 1
            self._connections.append(conn)
            while not self.stopping.is_set():
                request = read_request(conn)
                if request is None:
                    return
                self.received.append(request)
                self.behaviour(self, request, conn)
        except (OSError, ValueError):
            return

    def saw(self, text: str) -> bool:
        """Whether any request this server received held text (in its line, headers or body)."""
        return any(text in r.text for r in self.received)


def read_request(conn: ssl.SSLSocket) -> Optional[Received]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path = lines[0].split(" ")[:2]
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return Received(method, path, headers, body)


def answer(
    conn: ssl.SSLSocket, status: int, body: Any = b"", headers: Optional[Dict[str, str]] = None
) -> None:
    payload = json.dumps(body).encode() if not isinstance(body, bytes) else body
    fields = {"Content-Type": "application/json", "Content-Length": str(len(payload))}
    fields.update(headers or {})
    head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    conn.sendall(head.encode("latin-1") + b"\r\n" + payload)


def silent(server: HostileServer, request: Received, conn: ssl.SSLSocket) -> None:
    """Read the request, then say nothing until the test ends."""
    server.stopping.wait()


def trickle(interval: float) -> Behaviour:
    """Answer 200 with a large body, one byte every interval seconds, headers included."""

    def behave(server: HostileServer, request: Received, conn: ssl.SSLSocket) -> None:
        body = b'{"value": []}'.ljust(100_000)
        message = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        message += f"Content-Length: {len(body)}\r\n\r\n".encode() + body
        for byte in message:
            if server.stopping.wait(interval):
                return
            conn.sendall(bytes([byte]))

    return behave


def redirect_to(target: str) -> Behaviour:
    """Answer every request with 307 to target (the body must be sent again there, secret and all)."""

    def behave(server: HostileServer, request: Received, conn: ssl.SSLSocket) -> None:
        answer(conn, 307, b"", {"Location": target + request.path})

    return behave


def authority(token_behaviour: Behaviour) -> Behaviour:
    """An OpenID authority: discovery answered properly, the token request with token_behaviour."""

    def behave(server: HostileServer, request: Received, conn: ssl.SSLSocket) -> None:
        if "openid-configuration" in request.path:
            tenant = request.path.strip("/").split("/")[0]
            base = f"{server.url}/{tenant}"
            answer(
                conn,
                200,
                {
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "issuer": f"{base}/v2.0",
                },
            )
        else:
            token_behaviour(server, request, conn)

    return behave


class Figures:
    """What one hardening test module tried and survived, written for the README's Proof section."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: List[Dict[str, Any]] = []

    def add(self, case: str, **figures: Any) -> None:
        self.rows.append({"case": case, **figures})

    def write(self) -> None:
        folder = BUILD / "reliability-hardening"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{self.name}.json").write_text(json.dumps(self.rows, indent=1))

    def fixture(self) -> Any:
        """A module fixture writing the figures once the module's tests ran (assign it in the module)."""

        @pytest.fixture(scope="module", autouse=True)
        def _figures() -> Iterator[None]:
            yield
            self.write()

        return _figures
