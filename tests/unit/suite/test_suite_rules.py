"""The suite's own rules: in CI a skip is a failure naming its reason; layer markers come from folders."""

from __future__ import annotations

import pytest

from tests.layers import group_of, markers_for

SKIPPING = """
import pytest

def test_needs_an_interpreter():
    pytest.skip("Python 3.9 is not installed")

@pytest.mark.xfail(reason="known", strict=True)
def test_known_bug():
    assert False
"""


def test_a_skip_fails_the_run_in_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    pytester.makepyfile(SKIPPING)
    result = pytester.runpytest("-p", "tests.no_skips")
    result.assert_outcomes(failed=1, xfailed=1)
    result.stdout.fnmatch_lines(["*skipped in CI*(CI=true): Python 3.9 is not installed*"])


def test_a_module_level_skip_fails_the_run_in_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    pytester.makepyfile('import pytest\npytest.skip("no schemas", allow_module_level=True)\n')
    result = pytester.runpytest("-p", "tests.no_skips")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*skipped in CI*no schemas*"])


def test_locally_a_skip_stays_a_skip(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("MDE_REQUIRE_ALL", raising=False)
    pytester.makepyfile(SKIPPING)
    pytester.runpytest("-p", "tests.no_skips").assert_outcomes(skipped=1, xfailed=1)


@pytest.mark.parametrize(
    ("folders", "markers"),
    [
        (("integration", "splunk"), ["splunk"]),
        (("unit", "emulator"), ["emulator"]),
        (("integration", "sentinel"), ["sentinel"]),
        (("reliability",), ["reliability"]),
        (("bundle",), ["bundle"]),
        (("contract",), ["contract"]),
        (("compat",), ["slow"]),
        (("unit", "core"), []),
    ],
)
def test_layer_markers_follow_the_folder(folders: tuple, markers: list) -> None:
    assert markers_for(folders) == markers


def test_the_summary_groups_tests_bundle_checks_and_the_demo() -> None:
    assert group_of("tests/bundle/test_demo.py::test_x") == ("demo", "demo")
    assert group_of("tests/bundle/test_splunk.py::test_x") == ("bundle checks", "splunk")
    assert group_of("tests/unit/core/test_model.py::test_x") == ("tests", "unit")
