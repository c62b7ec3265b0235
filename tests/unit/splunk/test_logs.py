"""The app's logger: a log file that cannot be opened falls back to stderr instead of failing."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

import pytest

from mde_splunk import logs


@pytest.fixture(autouse=True)
def _restore_core_logger() -> Iterator[None]:
    """get_logger also routes the core's logger; leave it as it was for the other tests."""
    core = logging.getLogger("mde_indicators")
    handlers, propagate = core.handlers[:], core.propagate
    yield
    core.handlers[:], core.propagate = handlers, propagate


def test_a_log_file_that_cannot_be_opened_falls_back_to_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "var" / "log" / "splunk"
    (folder / "ta_mde_indicators_unwritable.log").mkdir(parents=True)  # opening it fails
    monkeypatch.setenv("SPLUNK_HOME", str(tmp_path))
    logs.register_secret("hunter2-secret")
    log = logs.get_logger("unwritable")
    log.warning("still logged, secret hunter2-secret masked")
    err = capsys.readouterr().err
    assert "cannot open" in err and "logging to stderr" in err
    assert "still logged, secret ******** masked" in err and "hunter2-secret" not in err


def test_a_writable_log_folder_gets_the_component_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "var" / "log" / "splunk").mkdir(parents=True)
    monkeypatch.setenv("SPLUNK_HOME", str(tmp_path))
    logs.get_logger("writable").info("into the file")
    text = (tmp_path / "var" / "log" / "splunk" / "ta_mde_indicators_writable.log").read_text()
    assert "into the file" in text
