"""Where things are: the repository root, dist/, build/ and the shared reference folder beside it."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
BUILD = ROOT / "build"
SHARED = Path(os.environ.get("MDE_SHARED_DIR", ROOT.parent / "shared"))


def version() -> str:
    from mde_indicators import __version__

    return __version__
