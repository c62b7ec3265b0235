"""Vendor the Splunk app's pure-Python dependencies: pinned wheels (hash-checked) unpacked into lib/.

Wheels are fetched once into build/splunk-wheels/; unpacking keeps each *.dist-info, which splunk-sdk 3.x
reads on every request. Its wheel declares Python >= 3.13, so pip resolves for 3.13 and pure wheels only.
Code that cannot run on the app's floor (Python 3.9, Splunk 9.3) and that the app never imports is left
out: splunk-sdk 3.x's splunklib/ai/ (an LLM agent toolkit written for Python 3.10+).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, List

from ..paths import BUILD

REQUIREMENTS = Path(__file__).with_name("lib.txt")
WHEELS = BUILD / "splunk-wheels"
LEFT_OUT = ("splunklib/ai/",)
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)\s+--hash=sha256:([0-9a-f]{64})")


def pins() -> Dict[str, str]:
    """Pinned wheel hashes by normalised project name."""
    found = {}
    for line in REQUIREMENTS.read_text().splitlines():
        match = _PIN.match(line.strip())
        if match:
            found[re.sub(r"[-_.]+", "_", match.group(1)).lower()] = match.group(3)
    return found


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wheels() -> List[Path]:
    """The pinned wheels, downloaded when missing; every hash checked."""
    wanted = pins()
    have = {_digest(p): p for p in WHEELS.glob("*.whl")} if WHEELS.exists() else {}
    if not set(wanted.values()) <= set(have):
        WHEELS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q", "--no-deps",
             "--only-binary=:all:", "--python-version", "3.13", "--implementation", "py", "--abi", "none",
             "--platform", "any", "--require-hashes", "-r", str(REQUIREMENTS), "-d", str(WHEELS)],
            check=True,
        )  # fmt: skip
        have = {_digest(p): p for p in WHEELS.glob("*.whl")}
    missing = sorted(n for n, h in wanted.items() if h not in have)
    if missing:
        raise SystemExit(f"vendoring: no wheel with the pinned hash for {', '.join(missing)}")
    return sorted(have[h] for h in wanted.values())


def unpack(lib: Path) -> List[str]:
    """Unpack every pinned wheel into lib; returns the dist-info folder names."""
    lib.mkdir(parents=True, exist_ok=True)
    infos = []
    for wheel in wheels():
        with zipfile.ZipFile(wheel) as zf:
            for name in zf.namelist():
                top = name.split("/", 1)[0]
                if top.endswith(".data"):
                    raise SystemExit(
                        f"{wheel.name} has a .data folder; only plain pure wheels are vendored"
                    )
                if name.endswith((".pyc", "/")) or name.startswith(LEFT_OUT):
                    continue
                target = lib / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(name))
                if top.endswith(".dist-info"):
                    infos.append(top)
    return sorted(set(infos))
