"""`build.py test --fast` narrows the run to the fast markers only when the arguments choose no tests."""

from __future__ import annotations

import pytest

from mde_indicators_build.testing import chosen


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], False),
        (["-q", "-x"], False),
        (["-k", "retry"], False),
        (["-m", "splunk"], True),
        (["tests/unit"], True),
        (["tests/unit/core/test_values.py::test_x", "-q"], True),
    ],
)
def test_arguments_that_choose_tests_are_left_alone(args: list, expected: bool) -> None:
    assert chosen(args) is expected
