"""Reading a mixed STIX feed of 15,000 indicators (simple comparisons, OR/IN lists, unsupported AND) on
Python 3.9, 3.11 (the venv) and 3.13, each pattern parsed once.

Baseline in the same run and interpreter: decoding the bundle's JSON, which every reader pays. Beside it:
the OASIS reference parser (stix2-patterns, ANTLR) parsing the same patterns, the library alternative.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List

from .common import Row, median, timed

N = 15_000
ROOT = Path(__file__).resolve().parent.parent
NAMESPACE = uuid.UUID("6f1f6c1e-5b1a-4c57-9d0e-6b0b2b0c2a10")


def pattern(n: int) -> str:
    """60% simple comparisons, 25% OR/IN lists, 15% AND (which MDE cannot express)."""
    kind = n % 20
    if kind < 12:
        return (
            f"[file:hashes.'SHA-256' = '{n:064x}']",
            f"[ipv4-addr:value = '185.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}']",
            f"[domain-name:value = 'd{n}.example.net']",
        )[kind % 3]
    if kind < 17:
        if kind % 2:
            return f"[ipv4-addr:value IN ('10.1.{n & 255}.1', '10.2.{n & 255}.2')]"
        return f"[url:value = 'http://u{n}.example/x' OR domain-name:value = 'o{n}.example.org']"
    return f"[file:name = 'x{n}.exe' AND file:hashes.MD5 = '{n:032x}']"


def feed() -> Dict[str, Any]:
    objects = [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--{uuid.uuid5(NAMESPACE, str(n))}",
            "created": "2024-01-01T00:00:00.000Z",
            "modified": "2024-02-01T00:00:00.000Z",
            "name": f"indicator {n}",
            "pattern": pattern(n),
            "pattern_type": "stix",
            "valid_from": "2024-01-01T00:00:00Z",
        }
        for n in range(N)
    ]
    return {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid5(NAMESPACE, 'bundle')}",
        "objects": objects,
    }


def measure(path: str) -> Dict[str, Any]:
    """Run inside the interpreter under test: decode-only and full read times, items, parses."""
    import io

    import mde_indicators.ops.inputs.stix as stix
    from mde_indicators.model import load_model

    text = Path(path).read_text("utf-8")
    model = load_model()
    decode = median(timed(lambda: json.load(io.StringIO(text)), repeat=5))
    parsed = []
    original = stix.parse

    def counting(pattern_text: str) -> Any:
        parsed.append(1)
        return original(pattern_text)

    stix.parse = counting  # type: ignore[assignment]
    items = list(stix.read_stix(io.StringIO(text), model))
    stix.parse = original  # type: ignore[assignment]
    read = median(timed(lambda: list(stix.read_stix(io.StringIO(text), model)), repeat=3))
    return {
        "python": "{}.{}".format(*sys.version_info[:2]),
        "decode": decode,
        "read": read,
        "items": len(items),
        "rejected": sum("_rejected" in i for i in items),
        "parses": len(parsed),
    }


def reference_seconds(patterns: List[str]) -> float:
    from stix2patterns.v21.pattern import Pattern

    started = time.perf_counter()
    for text in patterns:
        Pattern(text)
    return time.perf_counter() - started


def _in(python: str, path: str) -> Dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'packages'}")
    done = subprocess.run(
        [python, "-c", f"import json, benchmarks.bench_stix as b; print(json.dumps(b.measure({path!r})))"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def run() -> List[Row]:
    from mde_testkit.interpreters import find_python

    data = feed()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "feed.stix.json")
        Path(path).write_text(json.dumps(data), "utf-8")
        for version in ("3.9", None, "3.13"):
            python = sys.executable if version is None else find_python(version)
            if python is None:
                rows.append(Row("stix", f"Python {version}: not installed", {}))
                continue
            got = _in(python, path)
            label = f"Python {got['python']}, 15,000 indicators"
            rows.append(
                Row("stix", f"{label}: JSON decode only (baseline)",
                    {"seconds": round(got["decode"], 3), "x baseline": 1.0})
            )  # fmt: skip
            rows.append(
                Row("stix", f"{label}: read_stix", {
                    "seconds": round(got["read"], 3),
                    "µs per indicator": round(got["read"] / N * 1e6, 1),
                    "items (rejected)": f"{got['items']} ({got['rejected']})",
                    "parses per indicator": round(got["parses"] / N, 2),
                    "x baseline": round(got["read"] / got["decode"], 1),
                })
            )  # fmt: skip
    seconds = reference_seconds([o["pattern"] for o in data["objects"]])
    rows.append(
        Row("stix", f"Python {sys.version_info[0]}.{sys.version_info[1]}: stix2-patterns parsing the same 15,000 patterns (reference, not used)",
            {"seconds": round(seconds, 3), "µs per indicator": round(seconds / N * 1e6, 1)})
    )  # fmt: skip
    return rows
