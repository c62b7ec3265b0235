"""Build, package and verify the Splunk app TA-mde-indicators (dist/TA-mde-indicators-<version>.spl).

The app is splunk_app/ plus the core (without its CLI), the pinned pure-Python dependencies in lib/ and
the files rendered from the schema. Verification checks the package rules and runs splunk-appinspect.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any, Dict, List

from .. import package
from ..paths import BUILD, DIST, ROOT, version
from . import render as splunk_render
from . import vendor

APP = "TA-mde-indicators"
STAGE = BUILD / "splunk" / APP
REPORT = BUILD / "splunk" / "appinspect.json"
CORE = ROOT / "packages" / "mde_indicators"


def _ignore(directory: str, names: List[str]) -> List[str]:
    return [n for n in names if n.startswith(".") or n == "__pycache__" or n.endswith(".pyc")]


def stage(target: Path = STAGE) -> Path:
    """Assemble the app folder (also what the tests run): sources, core, vendored lib, rendered files."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(splunk_render.SOURCE, target, ignore=_ignore)
    vendor_core(target / "lib" / "mde_indicators")
    vendor.unpack(target / "lib")
    splunk_render.render(target, APP)
    return target


def vendor_core(target: Path) -> None:
    """The runtime core is the top level of mde_indicators and its data; its subpackages (the CLI and
    the operator features in ops/) need click, rich and feed parsers the app neither has nor uses."""
    target.mkdir(parents=True)
    for path in sorted(CORE.iterdir()):
        if path.suffix == ".py":
            shutil.copy2(path, target / path.name)
    shutil.copytree(CORE / "data", target / "data", ignore=_ignore)


def stage_and_install(work: Path) -> Path:
    """Stage and package the app in work/, then install the package as Splunk would; the app folder."""
    from mde_testkit.splunk.harness import install

    staged = stage(work / "stage" / APP)
    spl = package.build_tgz(staged, work / f"{APP}.spl")
    return install(spl, work / "apps")


def spl_path() -> Path:
    return DIST / f"{APP}-{version()}.spl"


def build() -> List[Path]:
    stage()
    DIST.mkdir(exist_ok=True)
    for old in DIST.glob(f"{APP}-*.spl"):
        old.unlink()
    return [package.build_tgz(STAGE, spl_path())]


def check_package(path: Path) -> List[str]:
    """Problems with the package's contents and modes (empty when it follows the rules)."""
    problems = []
    with tarfile.open(path) as tar:
        members = tar.getmembers()
        for m in members:
            rel = Path(m.name)
            if rel.parts[0] != APP:
                problems.append(f"{m.name}: outside the {APP}/ folder")
            if package.excluded(Path(*rel.parts[1:])) if len(rel.parts) > 1 else False:
                problems.append(f"{m.name}: must not be packaged")
            if m.mode != (0o755 if m.isdir() else 0o644):
                problems.append(f"{m.name}: mode {oct(m.mode)}")
        app_conf = tar.extractfile(f"{APP}/default/app.conf")
        text = app_conf.read().decode() if app_conf else ""
    if "is_configured = false" not in text:
        problems.append("default/app.conf: is_configured must be false")
    return problems


def appinspect(path: Path, report: Path = REPORT) -> Dict[str, Any]:
    """Run splunk-appinspect (precert, cloud tag) and return its JSON report's summary and findings."""
    tool = Path(sys.executable).with_name("splunk-appinspect")
    report.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(tool), "inspect", str(path), "--mode", "precert", "--included-tags", "cloud",
         "--skip-trusted-libraries-update", "--data-format", "json", "--output-file", str(report),
         "--max-messages", "all"],
        check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600,
    )  # fmt: skip
    data = json.loads(report.read_text())
    findings = []
    for rep in data.get("reports", []):
        for group in rep.get("groups", []):
            for check in group.get("checks", []):
                if check.get("result") in ("failure", "error", "future_failure", "warning"):
                    texts = [m.get("message", "") for m in check.get("messages", [])][:3]
                    findings.append(
                        {"check": check["name"], "result": check["result"], "messages": texts}
                    )
    return {"summary": data.get("summary", {}), "findings": findings}


def verify(paths: List[Path]) -> None:
    (path,) = paths
    problems = check_package(path)
    if problems:
        raise SystemExit(f"{path.name}: " + "; ".join(problems[:10]))
    started = time.monotonic()
    result = appinspect(path)
    summary = result["summary"]
    bad = {k: summary.get(k, 0) for k in ("failure", "error", "future_failure")}
    counts = ", ".join(
        f"{k} {summary.get(k, 0)}"
        for k in ("failure", "future_failure", "error", "warning", "success")
    )
    print(
        f"appinspect (precert, cloud) on {path.name}: {counts} in {time.monotonic() - started:.1f}s",
        flush=True,
    )
    if any(bad.values()):
        shown = [
            f"{f['result']}: {f['check']}: {f['messages']}"
            for f in result["findings"]
            if f["result"] != "warning"
        ]
        raise SystemExit("AppInspect found problems:\n  " + "\n  ".join(shown))
