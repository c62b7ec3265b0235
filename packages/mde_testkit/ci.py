"""Whether this run must prove everything: in CI (CI=true, or MDE_REQUIRE_ALL=1 locally) nothing may be
skipped for a missing interpreter, a missing ../shared file or a bundle check that could not run."""

from __future__ import annotations

import os

TRUE = ("1", "true", "yes", "on")


def strict() -> bool:
    return any(
        os.environ.get(name, "").strip().lower() in TRUE for name in ("CI", "MDE_REQUIRE_ALL")
    )
