"""An HTTPS stand-in for the Indicators API that answers with documented responses, verbatim, and keeps
what the client sent, so the client is tested against MDE's own examples rather than our emulator.

It models nothing of MDE itself: each test queues the responses (status, JSON body, headers) copied from
the reference (tests/contract/facts.py) and reads back the requests. TLS uses a certificate from the
emulator's CA, so the client keeps verifying certificates; sign-in stays with the emulator's Entra ID.
"""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Deque, Dict, List, Optional
from urllib.parse import parse_qs, unquote_plus, urlsplit

import trustme


@dataclass
class Sent:
    method: str
    path: str
    query: str
    headers: Dict[str, str]
    body: Any

    def params(self) -> Dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.query, keep_blank_values=True).items()}


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: Dict[str, str] = field(default_factory=dict)


class Replay:
    def __init__(self, ca: trustme.CA, workdir: Path) -> None:
        self.answers: Deque[Answer] = Deque()
        self.sent: List[Sent] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                replay.sent.append(
                    Sent(
                        self.command,
                        split.path,
                        split.query,
                        {k.lower(): v for k, v in self.headers.items()},
                        json.loads(raw) if raw else None,
                    )
                )
                answer = replay.answers.popleft() if replay.answers else Answer(599)
                data = b"" if answer.body is None else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if data:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        leaf = ca.issue_cert("127.0.0.1")
        cert = workdir / "replay-cert.pem"
        leaf.private_key_and_cert_chain_pem.write_to_path(cert)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self._thread: Optional[threading.Thread] = None

    def queue(self, status: int, body: Any = None, **headers: str) -> None:
        self.answers.append(
            Answer(status, body, {k.replace("_", "-"): v for k, v in headers.items()})
        )

    def __enter__(self) -> Replay:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def decoded_filter(query: str) -> str:
    """The $filter of a raw query string, decoded as a server would ('+' is a space)."""
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if unquote_plus(name) == "$filter":
            return unquote_plus(value)
    return ""
