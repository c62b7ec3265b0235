"""Copies of the built bundles with one defect planted, for the checkers' negative tests.

Each copy differs from the bundle in dist/ by exactly the planted defect, so a checker that reports it
reacts to that defect and nothing else.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence

Edit = Callable[[bytes], bytes]


def zip_copy(
    source: Path,
    target: Path,
    *,
    add: Optional[Dict[str, bytes]] = None,
    drop: Sequence[str] = (),
    edit: Optional[Dict[str, Edit]] = None,
) -> Path:
    """source rewritten into target: entries ending with a name in `edit` transformed, `drop` left out."""
    edit = edit or {}
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if any(info.filename.endswith(d) for d in drop):
                continue
            data = zin.read(info)
            for suffix, change in edit.items():
                if info.filename.endswith(suffix):
                    data = change(data)
            zout.writestr(info, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return target


def tar_copy(
    source: Path,
    target: Path,
    *,
    add: Optional[Dict[str, bytes]] = None,
    edit: Optional[Dict[str, Edit]] = None,
    modes: Optional[Dict[str, int]] = None,
    drop: Sequence[str] = (),
) -> Path:
    """The same for a .spl or .tgz: entries edited, modes changed, dropped, files added (mode 644)."""
    edit, modes = edit or {}, modes or {}
    with tarfile.open(source) as tin, tarfile.open(target, "w:gz") as tout:
        for member in tin.getmembers():
            if any(member.name.endswith(d) for d in drop):
                continue
            data = tin.extractfile(member).read() if member.isfile() else None  # type: ignore[union-attr]
            for suffix, change in edit.items():
                if data is not None and member.name.endswith(suffix):
                    data = change(data)
                    member.size = len(data)
            for suffix, mode in modes.items():
                if member.name.endswith(suffix):
                    member.mode = mode
            tout.addfile(member, io.BytesIO(data) if data is not None else None)
        for name, body in (add or {}).items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(body), 0o644
            tout.addfile(info, io.BytesIO(body))
    return target
