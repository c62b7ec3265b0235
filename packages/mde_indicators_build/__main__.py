"""Entry point behind build.py: `python -m mde_indicators_build [all|build|verify|demo|test|bench]`."""

from __future__ import annotations

import sys
import time
from typing import List

from . import fresh, testing
from .targets import TARGETS


def build_and_verify() -> None:
    built = {}
    for target in TARGETS:
        started = time.monotonic()
        paths = built[target.name] = target.build()
        target.verify(paths)
        shown = ", ".join(str(p.relative_to(p.parents[1])) for p in paths)
        print(
            f"built and verified {target.name:10} {shown}  ({time.monotonic() - started:.1f}s)",
            flush=True,
        )
    fresh.record(built)  # `build.py test` reuses these bundles while their inputs stay the same


def main(argv: List[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("all", [])
    if command == "test":
        return testing.run(rest)
    if command in ("all", "build", "verify"):
        build_and_verify()
    if command in ("all", "demo"):
        from . import demo

        return demo.run()
    if command == "bench":
        from . import bench

        return bench.run(rest)
    if command not in ("all", "build", "verify", "demo"):
        print(
            f"unknown command {command!r}; use all, build, verify, demo, test or bench",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
