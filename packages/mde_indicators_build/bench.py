"""`python3 build.py bench`: run the benchmarks, print a markdown table, keep it in benchmarks/RESULTS.md."""

from __future__ import annotations

import datetime
import importlib
import os
import platform
import re
import sys
import time
from typing import List

from .paths import ROOT

BENCHMARKS = (
    "bench_emulator",
    "bench_import_paths",
    "bench_sync",
    "bench_mdesubmit",
    "bench_stix",
    "bench_cli",
)


def machine() -> str:
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in open("/proc/cpuinfo")
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if os.path.exists("/proc/cpuinfo")
        else platform.processor()
    )
    memory = (
        os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        if hasattr(os, "sysconf")
        else 0
    )
    return f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB RAM, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def table(rows: List) -> str:  # type: ignore[type-arg]
    lines = []
    for bench in dict.fromkeys(r.benchmark for r in rows):
        group = [r for r in rows if r.benchmark == bench]
        keys = list(dict.fromkeys(k for r in group for k in r.figures))
        lines += [
            f"\n### {bench}\n",
            "| case | " + " | ".join(keys) + " |",
            "|---" * (len(keys) + 1) + "|",
        ]
        lines += [
            "| " + r.case + " | " + " | ".join(str(r.figures.get(k, "")) for k in keys) + " |"
            for r in group
        ]
    return "\n".join(lines)


def run(args: List[str]) -> int:
    sys.path.insert(0, str(ROOT))
    chosen = [b for b in BENCHMARKS if not args or any(a in b for a in args)]
    rows = []
    for name in chosen:
        started = time.monotonic()
        print(f"== {name}", flush=True)
        rows += importlib.import_module(f"benchmarks.{name}").run()
        print(f"   done in {time.monotonic() - started:.0f}s", flush=True)
    text = table(rows)
    print(text)
    write_results(text)
    return 0


def write_results(text: str) -> None:
    """Replace the measured sections in benchmarks/RESULTS.md, keeping the others (partial runs)."""
    path = ROOT / "benchmarks" / "RESULTS.md"
    sections = _sections(path.read_text("utf-8")) if path.exists() else {}
    sections.update(_sections(text))
    header = (
        f"# Benchmark results\n\nLatest run {datetime.date.today()} on {machine()}.\n"
        "Ratios compare against the baseline row of the same run; absolute times drift between machines.\n"
    )
    order = ["emulator", "push", "sync", "mdesubmit", "stix", "cli startup"]
    body = "".join(
        sections[k] for k in sorted(sections, key=lambda k: order.index(k) if k in order else 99)
    )
    path.write_text(header + body, encoding="utf-8")


def _sections(text: str) -> dict:  # type: ignore[type-arg]
    parts = re.split(r"(?m)^### ", text)[1:]
    return {p.split("\n", 1)[0].strip(): "\n### " + p.rstrip("\n") + "\n" for p in parts}
