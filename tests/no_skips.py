"""In CI nothing may be skipped: with CI=true (set by .ci/run) every skip becomes a failure naming its reason.

Locally a missing interpreter (pyenv's 3.9 or 3.13), a missing ../shared/schemas or a skipped bundle check
may skip with a message; in CI the same skip would silently shrink what the run proves.
"""

from __future__ import annotations

from typing import Any, Generator

import pytest

from mde_testkit.ci import strict


def _reason(longrepr: Any) -> str:
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _fail(report: Any) -> None:
    report.outcome = "failed"
    report.longrepr = (
        f"skipped in CI, where nothing may be skipped (CI=true): {_reason(report.longrepr)}"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator:
    outcome = yield
    report = outcome.get_result()
    if strict() and report.skipped and not hasattr(report, "wasxfail"):
        _fail(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator:
    outcome = yield
    report = outcome.get_result()
    if strict() and report.skipped:
        _fail(report)
