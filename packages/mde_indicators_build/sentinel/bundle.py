"""The `sentinel` build target: render into dist/sentinel/, zip deterministically, and verify offline.

Verify re-reads what was written and runs every check: ARM and Sentinel CI schemas and rules, the arm-ttk
subset, workflow semantics, the connector Swagger per cloud, schema consistency, and an offline run of
each Submit playbook on the sample incidents.
"""

from __future__ import annotations

import json
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any, Dict, List

from mde_indicators.model import load_model
from mde_testkit.logicapps.arm import deploy

from ..paths import DIST, ROOT, version
from .arm_checks import Report, validate_schema, validate_template
from .consistency import consistency_problems
from .render import Rendered, dumps, render_all
from .swagger import swagger_document
from .workflow_checks import check_workflow

OUT = DIST / "sentinel"
SAMPLES = ROOT / "tests" / "data" / "sentinel"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def zip_path() -> Path:
    return DIST / f"sentinel-mde-indicators-{version()}.zip"


def solution_data(rendered: List[Rendered], config: Dict[str, Any]) -> Dict[str, Any]:
    """Azure-Sentinel packager input (Data/Solution_<Name>.json); the custom connector comes first."""
    solution = config["solution"]
    ordered = sorted(rendered, key=lambda r: r.kind != "connector")
    return {
        "Name": solution["name"].replace(" ", ""),
        "Author": solution["author"]["name"],
        "Logo": "",
        "Description": solution["description"],
        "Playbooks": [f"{r.name}/azuredeploy.json" for r in ordered],
        "BasePath": ".",
        "Version": version(),
        "Metadata": "SolutionMetadata.json",
        "TemplateSpec": True,
        "Is1PConnector": False,
    }


def write_zip(files: List[Path], root: Path, target: Path) -> Path:
    """Sorted entries, fixed timestamps and permissions: the same inputs give the same bytes."""
    target.unlink(missing_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    return target


def build() -> List[Path]:
    from .context import load_config

    if OUT.exists():
        shutil.rmtree(OUT)
    rendered = render_all()
    files: List[Path] = []
    for r in rendered:
        folder = OUT / r.name
        folder.mkdir(parents=True)
        documents = {"azuredeploy.json": r.template, **r.extra}
        for name, document in documents.items():
            (folder / name).write_text(dumps(document), "utf-8")
            files.append(folder / name)
        (folder / "readme.md").write_text(r.readme, "utf-8")
        files.append(folder / "readme.md")
    data = OUT / "Data" / "Solution_MDEIndicators.json"
    data.parent.mkdir()
    data.write_text(dumps(solution_data(rendered, load_config())), "utf-8")
    files.append(data)
    return [write_zip(files, OUT, zip_path()), OUT]


def verify_documents(
    templates: Dict[str, Dict[str, Any]], extras: Dict[str, Dict[str, Any]]
) -> Report:
    """All offline checks over written templates (name -> template) and connector files."""
    model = load_model()
    report = Report()
    for name, template in templates.items():
        sub = validate_template(template)
        sub.problems = [f"{name}: {p}" for p in sub.problems]
        report.merge(sub)
        for resource in template["resources"]:
            if resource["type"] == "Microsoft.Logic/workflows":
                problems, count = check_workflow(resource, template)
                report.problems += [f"{name}: {p}" for p in problems]
                report.checks += count
            if resource["type"] == "Microsoft.Web/customApis":
                for cloud in model.clouds:
                    resolved = deploy(
                        template, {"Cloud": cloud, "ClientId": "client", "ClientSecret": "x"}
                    )
                    swagger = resolved.resource("Microsoft.Web/customApis")["properties"]["swagger"]
                    report.check(
                        swagger == swagger_document(model, cloud),
                        f"{name}: embedded Swagger differs for {cloud}",
                    )
                    sub = validate_schema(swagger, "swagger")
                    report.merge(sub)
    for name, document in extras.items():
        sub = validate_schema(
            document, "swagger" if name.endswith("swagger.json") else "api-properties"
        )
        sub.problems = [f"{name}: {p}" for p in sub.problems]
        report.merge(sub)
    problems = consistency_problems(templates, extras, model)
    report.checks += 1
    report.problems += problems
    return report


def verify(paths: List[Path]) -> None:
    started = time.monotonic()
    archive, folder = paths
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        if names != sorted(names) or any(i.date_time != ZIP_TIME for i in zf.infolist()):
            raise SystemExit(f"{archive.name} is not deterministic (entry order or timestamps)")
    templates = {
        p.parent.name: json.loads(p.read_text("utf-8"))
        for p in files
        if p.name == "azuredeploy.json"
    }
    extras = {
        f"{p.parent.name}/{p.name}": json.loads(p.read_text("utf-8"))
        for p in files
        if p.name.startswith("api")
    }
    report = verify_documents(templates, extras)
    from . import request_bodies_for

    for sample, trigger in (
        ("incident-all-kinds.json", "incident"),
        ("alert-all-kinds.json", "alert"),
    ):
        bodies = request_bodies_for(SAMPLES / sample, trigger)
        report.check(
            len(bodies) == 1 and bool(bodies[0]["Indicators"]),
            f"{sample}: no import body evaluated",
        )
    if report.problems:
        raise SystemExit("sentinel verification failed:\n  " + "\n  ".join(report.problems))
    skipped = f"; skipped: {report.skipped[0]}" if report.skipped else ""
    print(
        f"  sentinel: {len(templates)} templates, {report.checks} checks passed "
        f"({time.monotonic() - started:.1f}s){skipped}",
        flush=True,
    )
