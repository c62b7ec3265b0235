"""HTTPS_PROXY and the account proxy are used for sign-in and API calls; short-lived tokens are renewed."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from typing import Dict, Iterator, List

import pytest

from mde_emulator import EmulatorServer, Settings
from tests.conftest import make_client


class ConnectProxy(socketserver.ThreadingTCPServer):
    """A minimal HTTP CONNECT proxy that records where clients tunnel to."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Tunnel)
        self.targets: List[str] = []


class _Tunnel(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        line = self.rfile.readline().decode()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        method, target, _ = line.split(" ", 2)
        assert method == "CONNECT"
        self.server.targets.append(target)  # type: ignore[attr-defined]
        host, port = target.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        pumps = [
            threading.Thread(target=_pump, args=pair, daemon=True)
            for pair in ((self.connection, upstream), (upstream, self.connection))
        ]
        for p in pumps:
            p.start()
        for p in pumps:
            p.join()


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture()
def proxy() -> Iterator[ConnectProxy]:
    server = ConnectProxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_https_proxy_environment_variable_is_honoured(
    proxy: ConnectProxy,
    emulator: EmulatorServer,
    emulator_env: Dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
    monkeypatch.setenv("NO_PROXY", "")
    assert make_client(emulator_env).list_page()["value"] == []
    assert proxy.targets and set(proxy.targets) == {f"127.0.0.1:{emulator.port}"}


def test_no_proxy_bypasses_the_proxy(
    proxy: ConnectProxy, emulator_env: Dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    make_client(emulator_env).list_page()
    assert proxy.targets == []


def test_configured_proxy_setting_is_used(
    proxy: ConnectProxy, emulator_env: Dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "")
    make_client(emulator_env, proxy=f"http://127.0.0.1:{proxy.server_address[1]}").list_page()
    assert proxy.targets and set(proxy.targets) == {emulator_env["MDE_API_URL"].split("//")[1]}


def test_short_lived_tokens_are_renewed_before_they_expire() -> None:
    with EmulatorServer(Settings(limits="off", token_lifetime=2)) as emu:
        client = make_client(emu.env())
        client.list_page()
        time.sleep(2.5)
        client.list_page()
        statuses = [e["status"] for e in emu.requests_log() if e["op"] == "ListIndicators"]
        assert statuses == [200, 200]  # renewed before use: no 401 round trip
        assert [e["op"] for e in emu.requests_log()].count("token") == 2
