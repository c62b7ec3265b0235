"""The demo `python3 build.py` ends with, run on the bundles in dist/: the figures the README's Proof quotes."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Dict, List

import pytest
from rich.console import Console

from mde_indicators_build import demo
from mde_testkit.interpreters import SPLUNK_PYTHONS


def test_the_demo_gives_the_figures_the_readme_quotes(bundles: Dict[str, List[Path]]) -> None:
    run = demo.collect(Console(file=io.StringIO()))
    steps = {source: summary for source, _, summary in run.steps}
    assert steps == {
        "CLI": {"submitted": 7, "invalid": 2},
        "Splunk": {"submitted": 3, "duplicate": 1, "invalid": 1, "protected": 1},
        "Sentinel": {"submitted": 6, "protected": 1},
        "SOAR": {"submitted": 7, "invalid": 2},
    }
    assert len(run.listed) == 16
    assert dict(run.calls) == {"ImportIndicators": 4, "ListIndicators": 1}
    splunk_step = next(what for source, what, _ in run.steps if source == "Splunk")
    version = re.search(r"Python (\d+\.\d+)\)", splunk_step)
    assert version is not None
    if version.group(1) not in SPLUNK_PYTHONS:
        pytest.skip(f"the Splunk step ran on the host's Python {version.group(1)}, not Splunk's")
