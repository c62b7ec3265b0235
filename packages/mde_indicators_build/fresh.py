"""Reuse the bundles in dist/ while nothing that feeds them changed, decided by content, never by mtimes.

The inputs digest covers every file the build reads (sources, templates, the schema, the vendored pins, and
README.md, the wheel's long description). dist/.bundles.json records it with the digest of each output,
so a bundle edited, replaced or deleted after the build is rebuilt as well.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from .paths import DIST, ROOT

INPUTS = (
    "README.md",
    "setup.cfg",
    "pyproject.toml",
    "packages/mde_indicators",
    "packages/emulator",
    "packages/mde_indicators_build",
    "packages/mde_testkit",
    "packages/mde_soar",
    "splunk_app",
    "sentinel_playbooks",
    "samples",
)
# Folders the build or the tools write into the inputs: never inputs themselves.
GENERATED = ("__pycache__", "build", "dist")
RECORD = DIST / ".bundles.json"
Built = Dict[str, List[Path]]


def _generated(rel: Path) -> bool:
    return any(
        p.startswith(".") or p in GENERATED or p.endswith(".egg-info") for p in rel.parts
    ) or rel.suffix in (".pyc", ".pyo")


def _files(root: Path, names: Tuple[str, ...]) -> Iterator[Path]:
    for name in names:
        path = root / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        for p in candidates:
            if p.is_file() and not _generated(p.relative_to(root)):
                yield p


def inputs_digest(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for path in _files(root, INPUTS):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _outputs(built: Built, root: Path) -> Dict[str, str]:
    found = {}
    for paths in built.values():
        for path in paths:
            for f in (
                [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
            ):
                found[f.relative_to(root).as_posix()] = hashlib.sha256(f.read_bytes()).hexdigest()
    return found


def record(built: Built, root: Path = ROOT, target: Path = RECORD) -> None:
    """Note which inputs produced these bundles (after a build)."""
    data = {
        "inputs": inputs_digest(root),
        "targets": {
            name: [p.relative_to(root).as_posix() for p in ps] for name, ps in built.items()
        },
        "outputs": _outputs(built, root),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, indent=1, sort_keys=True), "utf-8")


def fresh(root: Path = ROOT, target: Path = RECORD) -> Optional[Built]:
    """The recorded bundles if they are what the current inputs would build; None otherwise."""
    try:
        data = json.loads(target.read_text("utf-8"))
        built = {name: [root / p for p in ps] for name, ps in data["targets"].items()}
        if data["inputs"] != inputs_digest(root) or data["outputs"] != _outputs(built, root):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return built


def ensure_built() -> Tuple[Built, bool]:
    """(bundles, reused): the recorded bundles when fresh, else every target built now (not verified:
    verification is what tests/bundle runs)."""
    from .targets import TARGETS

    reused = fresh()
    if reused is not None:
        return reused, True
    RECORD.unlink(missing_ok=True)
    built = {t.name: t.build() for t in TARGETS}
    record(built)
    return built, False
