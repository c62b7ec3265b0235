"""The emulator under a hostile local user and hostile clients: `--env-file` (which holds a client secret)
refuses a symlink and never writes into a file that existed, keeping its own mode 600; clients that connect
and say nothing, or more clients than it keeps, do not stop it answering; an oversized request is refused."""

from __future__ import annotations

import socket
import ssl
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, List

import pytest
import requests

from mde_emulator import EmulatorServer, Settings
from mde_emulator.app import ADMIN_HEADER
from tests.reliability.hostile import Figures

FIGURES = Figures("emulator-hardening")
_figures = FIGURES.fixture()


def emulator_cli(env_file: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """Start `mde-indicators emulator --env-file` and stop it once it wrote the file (or failed)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mde_indicators.cli", "emulator", "--env-file", str(env_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if env_file.is_file() and not env_file.is_symlink():
                if "MDE_API_URL=" in env_file.read_text(encoding="utf-8", errors="replace"):
                    break
            time.sleep(0.1)
    finally:
        if proc.poll() is None:
            proc.terminate()
        stdout, stderr = proc.communicate(timeout=30)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def test_env_file_refuses_a_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    link = tmp_path / ".mde.env"
    link.symlink_to(victim)
    done = emulator_cli(link, timeout=20)
    assert done.returncode == 2 and "symbolic link" in done.stderr, done.stderr[-2000:]
    assert victim.read_text() == "precious\n" and link.is_symlink()
    FIGURES.add("--env-file is a symlink to another file", attacks=1, written_through=0)


def test_env_file_replaces_a_readable_file_with_a_private_one(tmp_path: Path) -> None:
    env_file = tmp_path / ".mde.env"
    env_file.write_text("OLD=1\n")
    env_file.chmod(0o644)
    before = env_file.stat().st_ino
    reader = open(env_file, encoding="utf-8")  # another process holding the old file open
    try:
        done = emulator_cli(env_file)
        assert "MDE_CLIENT_SECRET=" in env_file.read_text(), done.stderr[-2000:]
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        assert env_file.stat().st_ino != before  # a new file, renamed over the old one
        assert reader.read() == "OLD=1\n"  # nothing was written into the old file
    finally:
        reader.close()
    FIGURES.add("--env-file exists, mode 644", attacks=1, secret_readable_by_others=False)


@pytest.fixture()
def small() -> Iterator[EmulatorServer]:
    with EmulatorServer(
        Settings(limits="off", max_connections=20, max_body_bytes=64 * 1024)
    ) as server:
        yield server


def ping(server: EmulatorServer, timeout: float = 10) -> float:
    started = time.monotonic()
    response = requests.get(
        f"{server.base_url}/_emulator/faults",
        headers={ADMIN_HEADER: server.admin_key},
        verify=server.ca_file,
        timeout=timeout,
    )
    assert response.status_code == 200
    return time.monotonic() - started


def idle_clients(server: EmulatorServer, silent: int, half: int) -> List[socket.socket]:
    """silent TCP connections (no TLS hello), then half TLS connections stopped mid-request."""
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(silent)]
    context = ssl.create_default_context(cafile=server.ca_file)
    for _ in range(half):
        conn = context.wrap_socket(
            socket.create_connection(("127.0.0.1", server.port)), server_hostname="127.0.0.1"
        )
        conn.sendall(b"GET /_emulator/faults HTTP/1.1\r\nHost: x\r\n")
        idle.append(conn)
    return idle


def test_idle_connections_do_not_stop_it_answering(emulator: EmulatorServer) -> None:
    idle = idle_clients(emulator, 100, 10)
    try:
        seconds = max(ping(emulator, timeout=60) for _ in range(5))
    finally:
        for conn in idle:
            conn.close()
    assert seconds < 2.0, seconds
    FIGURES.add("110 idle connections", attacks=110, slowest_answer_ms=round(seconds * 1000))


def test_open_connections_are_bounded(small: EmulatorServer) -> None:
    idle = idle_clients(small, 100, 0)
    try:
        seconds = ping(small)
        kept = small.server._connections._num_connections  # the bound under test
        closed = 0
        for conn in idle[:20]:  # the oldest ones were closed by the server to make room
            conn.settimeout(5)
            try:
                closed += conn.recv(1) == b""
            except OSError:
                closed += 1
    finally:
        for conn in idle:
            conn.close()
    assert kept <= 20 and closed == 20 and seconds < 2.0, (kept, closed, seconds)
    FIGURES.add("100 connections, limit 20", attacks=100, kept=kept, oldest_closed=closed)


def test_an_oversized_request_is_refused_early(small: EmulatorServer) -> None:
    """Refused on its declared length: the server answers before the body has been sent."""
    context = ssl.create_default_context(cafile=small.ca_file)
    with context.wrap_socket(
        socket.create_connection(("127.0.0.1", small.port)), server_hostname="127.0.0.1"
    ) as conn:
        conn.settimeout(10)
        conn.sendall(
            b"POST /api/indicators/import HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nAuthorization: Bearer x\r\n"
            + f"Content-Length: {65 * 1024 + 1}\r\n\r\n".encode()
            + b'{"Indicators": ['
        )
        status_line = conn.recv(4096).split(b"\r\n", 1)[0]
    assert b" 413 " in status_line, status_line
    assert ping(small) < 2.0
    FIGURES.add("request body over the limit", attacks=1, status=413)
