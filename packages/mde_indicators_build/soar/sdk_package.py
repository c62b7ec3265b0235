"""`soarapps` with a robust wheel fetch; runs in the SOAR app's venv (the SDK's Python), by path.

The SDK's package step downloads every locked wheel at once with a 10 s timeout and no retry, which fails
on a loaded machine. Here each download is hash-checked into a cache (reused by later builds), at most
PARALLEL run at once, and a failed one is retried ATTEMPTS times with backoff. The core is the one local
dependency: the SDK builds it from the repository only when it is on its DEPENDENCIES_TO_BUILD list.

    python sdk_package.py CACHE_DIR -- package build packages/mde_soar -o OUT.tgz
    python sdk_package.py CACHE_DIR -- platform-wheels packages/mde_soar OUT_DIR

platform-wheels fetches the locked packages the SDK leaves out because SOAR provides them (requests …),
for the build's install check, resolved for Python 3.13 on x86_64 as the SDK resolves bundled ones.
"""

import asyncio
import os
import sys
import tempfile
from pathlib import Path

import httpx
import toml
from soar_sdk.cli.cli import main
from soar_sdk.meta.dependencies import sources
from soar_sdk.meta.dependencies.constants import DEPENDENCIES_TO_BUILD, DEPENDENCIES_TO_SKIP
from soar_sdk.meta.dependencies.lock import UvLock
from soar_sdk.meta.dependencies.utils import normalize_package_name

PARALLEL = 4
ATTEMPTS = 4
TIMEOUT = 60.0
LOCAL_DEPENDENCY = "mde_indicators"
_slots = asyncio.Semaphore(PARALLEL)


def cached(cache: Path, wheel: sources.UvWheel) -> Path:
    algorithm, digest = wheel.hash.split(":")
    return cache / algorithm / digest[:2] / f"{digest}-{wheel.basename}.whl"


async def _download(wheel: sources.UvWheel) -> bytes:
    last: Exception | None = None
    for attempt in range(ATTEMPTS):
        try:
            async with _slots, httpx.AsyncClient(timeout=TIMEOUT) as client:
                response = await client.get(str(wheel.url))
                response.raise_for_status()
                data = response.content
            wheel.validate_hash(data)
            return data
        except (httpx.HTTPError, ValueError) as exc:
            last = exc
            await asyncio.sleep(2**attempt)
    raise RuntimeError(f"Could not fetch {wheel.basename}.whl after {ATTEMPTS} tries: {last}")


def fetcher(cache: Path):
    async def fetch(self: sources.UvWheel) -> bytes:
        if self.url is None:
            raise ValueError(f"No URL for {self.filename}")
        path = cached(cache, self)
        if path.exists():
            data = path.read_bytes()
            try:
                self.validate_hash(data)
                return data
            except ValueError:
                path.unlink()
        data = await _download(self)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        return data

    return fetch


def platform_wheels(cache: Path, project: Path, out: Path) -> None:
    lock = UvLock(**toml.loads((project / "uv.lock").read_text()))
    provided = [p for p in lock.package if normalize_package_name(p.name) in DEPENDENCIES_TO_SKIP]
    fetch = fetcher(cache)
    out.mkdir(parents=True, exist_ok=True)

    async def collect() -> None:
        for package in provided:
            wheel = package.resolve_py313().wheel
            if wheel is not None:
                (out / f"{wheel.basename}.whl").write_bytes(await fetch(wheel))

    asyncio.run(collect())


if __name__ == "__main__":
    cache_dir, separator, *rest = sys.argv[1:]
    cache_dir = os.path.abspath(cache_dir)
    if separator != "--":
        raise SystemExit(__doc__)
    if rest[0] == "platform-wheels":
        platform_wheels(Path(cache_dir), Path(rest[1]), Path(rest[2]))
        sys.exit(0)
    sources.UvWheel.fetch = fetcher(Path(cache_dir))  # type: ignore[method-assign]
    DEPENDENCIES_TO_BUILD.add(LOCAL_DEPENDENCY)
    sys.argv = ["soarapps", *rest]
    main()
