"""The schema document names the version of its layout; code refuses a layout it does not know."""

from __future__ import annotations

import pytest

from mde_indicators.model import build_model, load_raw


def test_a_schema_of_another_layout_version_is_refused_with_a_message() -> None:
    raw = load_raw()
    raw["schemaVersion"] = 2
    with pytest.raises(ValueError, match="schema version 2"):
        build_model(raw)
