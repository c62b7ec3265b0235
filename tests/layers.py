"""Layer markers applied by folder, and a closing summary of what ran per group.

A test under tests/*/splunk is marked `splunk`, and so on (the table below), so one layer runs with
`-m splunk` and the fast loop with `-m "not splunk and not reliability"`. The summary names the groups
`python3 build.py test` reports: tests (by top folder), bundle checks and the demo. With MDE_TEST_REPORT
set, the counts are also written there as JSON for build.py's own summary.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

# (where in the path, folder name) -> marker: "any" matches a folder at any depth, "top" only tests/<name>.
FOLDER_MARKERS: Tuple[Tuple[str, str, str], ...] = (
    ("any", "emulator", "emulator"),
    ("any", "splunk", "splunk"),
    ("any", "sentinel", "sentinel"),
    ("any", "soar", "soar"),
    ("top", "reliability", "reliability"),
    ("top", "bundle", "bundle"),
    ("top", "contract", "contract"),
    ("top", "compat", "slow"),
)
DEMO = "tests/bundle/test_demo.py"
GROUPS = ("tests", "bundle checks", "demo")
# Lines fixtures add to the summary (e.g. whether the bundles in dist/ were reused or built).
NOTES: List[str] = []


def _parts(item: pytest.Item) -> Tuple[str, ...]:
    """The item's folders below tests/ (empty when it lives elsewhere)."""
    parts = Path(item.nodeid.split("::", 1)[0]).parts
    return tuple(parts[1:-1]) if parts and parts[0] == "tests" else ()


def markers_for(parts: Tuple[str, ...]) -> List[str]:
    found = []
    for where, folder, marker in FOLDER_MARKERS:
        if (where == "any" and folder in parts) or (where == "top" and parts[:1] == (folder,)):
            found.append(marker)
    return found


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    for item in items:
        for marker in markers_for(_parts(item)):
            item.add_marker(marker)


def group_of(nodeid: str) -> Tuple[str, str]:
    """(group, subgroup) of a test: bundle checks and the demo apart, other tests by top folder."""
    path = nodeid.split("::", 1)[0]
    if path == DEMO:
        return "demo", "demo"
    parts = Path(path).parts
    if parts[:2] == ("tests", "bundle"):
        return "bundle checks", Path(path).stem.replace("test_", "")
    return "tests", parts[1] if len(parts) > 2 else "top"


def tally(stats: Dict[str, List[pytest.TestReport]]) -> Dict[str, Dict[str, Dict[str, int]]]:
    """group -> outcome -> subgroup -> count, one count per test id (setup errors included)."""
    seen: Dict[str, str] = {}
    for outcome in ("passed", "xfailed", "skipped", "failed", "error"):  # worst outcome wins
        for report in stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if nodeid:
                seen[nodeid] = outcome
    counts: Dict[str, Dict[str, Dict[str, int]]] = defaultdict(lambda: defaultdict(Counter))
    for nodeid, outcome in seen.items():
        group, sub = group_of(nodeid)
        counts[group][outcome][sub] += 1
    return {g: {o: dict(c) for o, c in outcomes.items()} for g, outcomes in counts.items()}


def describe(outcomes: Dict[str, Dict[str, int]]) -> str:
    if not outcomes:
        return "not run"
    parts = []
    for outcome in ("passed", "failed", "error", "skipped", "xfailed"):
        subs = outcomes.get(outcome)
        if subs:
            detail = ", ".join(f"{k} {v}" for k, v in sorted(subs.items()))
            parts.append(f"{sum(subs.values())} {outcome} ({detail})")
    return "; ".join(parts)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts = tally(terminalreporter.stats)
    terminalreporter.section("what ran, by group")
    for group in GROUPS:
        terminalreporter.write_line(f"{group:14} {describe(counts.get(group, {}))}")
    for note in NOTES:
        terminalreporter.write_line(f"{'':14} {note}")
    target = os.environ.get("MDE_TEST_REPORT")
    if target:
        Path(target).write_text(json.dumps({"counts": counts, "notes": NOTES}, indent=1), "utf-8")
