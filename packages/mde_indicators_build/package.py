"""Reproducible app packages: sorted entries, fixed times and owners, 644 files and 755 folders, no extras.

The same sources give the same bytes; hidden files, compiled Python, local/ and local.meta never go in.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path
from typing import Iterator

# 2024-01-01T00:00:00Z: a fixed time for every entry (the gzip header carries none).
FIXED_MTIME = 1704067200


def excluded(rel: Path) -> bool:
    parts = rel.parts
    return (
        any(p.startswith(".") for p in parts)
        or "__pycache__" in parts
        or parts[0] == "local"
        or rel.suffix in (".pyc", ".pyo")
        or rel.name == "local.meta"
    )


def entries(root: Path) -> Iterator[Path]:
    """Every file and folder under root that belongs in the package, sorted."""
    for path in sorted(root.rglob("*")):
        if not excluded(path.relative_to(root)):
            yield path


def _info(name: str, is_dir: bool, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE if is_dir else tarfile.REGTYPE
    info.mode = 0o755 if is_dir else 0o644
    info.size = size
    info.mtime = FIXED_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def build_tgz(root: Path, target: Path) -> Path:
    """Pack root (the app folder, named after the app id) into target."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        tar.addfile(_info(root.name, True))
        for path in entries(root):
            name = f"{root.name}/{path.relative_to(root).as_posix()}"
            if path.is_dir():
                tar.addfile(_info(name, True))
            else:
                data = path.read_bytes()
                tar.addfile(_info(name, False, len(data)), io.BytesIO(data))
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0) as gz:
        gz.write(raw.getvalue())
    return target
