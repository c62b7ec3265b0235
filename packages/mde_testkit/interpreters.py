"""Find the other Python interpreters the pack must run on (Splunk bundles 3.9 and 3.13)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from typing import Optional

SPLUNK_PYTHONS = ("3.9", "3.13")


def find_python(version: str) -> Optional[str]:
    """Path of a working pythonX.Y: PATH first, then pyenv's versions folder; None if absent."""
    name = f"python{version}"
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = [
        shutil.which(name),
        *sorted(
            glob.glob(os.path.join(root, "versions", f"{version}.*", "bin", name)), reverse=True
        ),
    ]
    for path in filter(None, candidates):
        try:
            out = subprocess.run(
                [path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == version:
            return path
    return None
