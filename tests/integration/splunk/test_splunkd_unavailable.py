"""splunkd out of reach (refused, TLS handshake failure, no answer): one clear line, no traceback; the
alert action exits 5 (ExitStatus.UNAVAILABLE), every search command reports an ERROR to the search."""

from __future__ import annotations

import socket
from typing import Iterator

import pytest

from mde_indicators.exits import ExitStatus
from mde_testkit.splunk.harness import SplunkHarness

COMMANDS = (
    ("mdesubmit field=v action=Audit", [{"v": "a" * 64}]),
    ("mdelist", []),
    ("mdedelete id_field=v", [{"v": "1"}]),
    ("mderetry", []),
)


@pytest.fixture()
def silent() -> Iterator[str]:
    """A port that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"https://127.0.0.1:{sock.getsockname()[1]}"


def refused() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"https://127.0.0.1:{sock.getsockname()[1]}"


def targets(harness: SplunkHarness) -> dict:
    # The fake speaks plain HTTP: an https:// URI to it fails in the TLS handshake.
    return {"refused": refused(), "tls": harness.splunkd.uri.replace("http://", "https://")}


@pytest.mark.parametrize("kind", ["refused", "tls"])
def test_the_alert_action_exits_5_with_one_line(
    harness: SplunkHarness, emulator, kind: str
) -> None:
    uri = targets(harness)[kind]
    done = harness.alert(
        {"indicator_field": "v", "action": "Audit"}, [{"v": "a" * 64}], server_uri=uri
    )
    assert done.returncode == ExitStatus.UNAVAILABLE, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR Cannot reach splunkd at " + uri), lines
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("kind", ["refused", "tls"])
def test_every_search_command_reports_an_error_to_the_search(
    harness: SplunkHarness, emulator, kind: str
) -> None:
    uri = targets(harness)[kind]
    for search, rows in COMMANDS:
        run = harness.run(search, rows, splunkd_uri=uri)
        assert run.returncode == 1, (search, run.stderr)
        (error,) = run.errors()
        assert error.startswith(f"Cannot reach splunkd at {uri}"), (search, error)
        assert "Traceback" not in run.stderr, search


def test_a_splunkd_that_never_answers_times_out_cleanly(
    harness: SplunkHarness, emulator, silent: str
) -> None:
    done = harness.alert(
        {"indicator_field": "v", "action": "Audit"}, [{"v": "a" * 64}], server_uri=silent
    )
    assert done.returncode == ExitStatus.UNAVAILABLE and not done.killed, done.stderr
    assert "no answer in time" in done.stderr and "Traceback" not in done.stderr
    run = harness.run("mdesubmit field=v action=Audit", [{"v": "a" * 64}], splunkd_uri=silent)
    assert run.returncode == 1 and "no answer in time" in run.errors()[0]
