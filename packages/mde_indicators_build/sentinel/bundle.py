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
from typing import Any, Dict, List, Optional
from xml.etree import ElementTree

from mde_indicators.model import load_model
from mde_testkit.logicapps.arm import deploy

from ..paths import DIST, ROOT, version
from .arm_checks import Report, validate_schema, validate_template
from .consistency import consistency_problems
from .context import PLAYBOOKS_DIR, arm_environment
from .render import Rendered, dumps, render_all
from .swagger import swagger_document
from .workflow_checks import check_workflow

OUT = DIST / "sentinel"
SAMPLES = ROOT / "tests" / "data" / "sentinel"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
DATA_FILE = "Data/Solution_MDEIndicators.json"
METADATA_FILE = "SolutionMetadata.json"
LOGO_LIMIT = 5 * 1024  # Azure-Sentinel's logo validation: SVG of at most 5 KB
# Tools/Create-Azure-Sentinel-Solution/V3/README.md: the metadata file's fields
METADATA_FIELDS = (
    "publisherId",
    "offerId",
    "firstPublishDate",
    "providers",
    "categories",
    "support",
)


def zip_path() -> Path:
    return DIST / f"sentinel-mde-indicators-{version()}.zip"


def solution_data(rendered: List[Rendered], config: Dict[str, Any]) -> Dict[str, Any]:
    """Azure-Sentinel packager input (Data/Solution_<Name>.json); the custom connector comes first."""
    solution = config["solution"]
    ordered = sorted(rendered, key=lambda r: r.kind != "connector")
    logo = f"{solution['deployBaseUrl']}/{solution['logo']}"
    return {
        "Name": solution["name"].replace(" ", ""),
        "Author": solution["author"]["name"],
        "Logo": f'<img src="{logo}" width="75px" height="75px">',
        "Description": solution["description"],
        "Playbooks": [f"{r.name}/azuredeploy.json" for r in ordered],
        "BasePath": ".",
        "Version": version(),
        "Metadata": METADATA_FILE,
        "TemplateSpec": True,
        "Is1PConnector": False,
    }


def solution_metadata(config: Dict[str, Any]) -> Dict[str, Any]:
    """SolutionMetadata.json, which the data file names and Microsoft's packager reads."""
    solution = config["solution"]
    return {
        "publisherId": solution["publisherId"],
        "offerId": solution["offerId"],
        "firstPublishDate": solution["firstPublishDate"],
        "lastPublishDate": solution["lastUpdateTime"][:10],
        "providers": solution["providers"],
        "categories": solution["categories"],
        "support": solution["support"],
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


def build(out: Path = OUT, archive: Optional[Path] = None) -> List[Path]:
    """Write the bundle's folder (dist/sentinel unless given) and its deterministic zip."""
    from .context import load_config

    if out.exists():
        shutil.rmtree(out)
    rendered = render_all()
    files: List[Path] = []
    for r in rendered:
        folder = out / r.name
        folder.mkdir(parents=True)
        documents = {"azuredeploy.json": r.template, **r.extra}
        for name, document in documents.items():
            (folder / name).write_text(dumps(document), "utf-8")
            files.append(folder / name)
        (folder / "readme.md").write_text(r.readme, "utf-8")
        files.append(folder / "readme.md")
    config = load_config()
    data = out / DATA_FILE
    data.parent.mkdir()
    data.write_text(dumps(solution_data(rendered, config)), "utf-8")
    metadata = out / METADATA_FILE
    metadata.write_text(dumps(solution_metadata(config)), "utf-8")
    logo = out / config["solution"]["logo"]
    logo.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PLAYBOOKS_DIR / config["solution"]["logo"], logo)
    files += [data, metadata, logo]
    return [write_zip(files, out, archive or zip_path()), out]


def packaging_problems(folder: Path) -> List[str]:
    """What Microsoft's solution packager needs: the data file, the files it names, the metadata
    fields and a small SVG logo."""
    problems: List[str] = []
    data_path = folder / DATA_FILE
    if not data_path.is_file():
        return [f"{DATA_FILE} is missing"]
    data = json.loads(data_path.read_text("utf-8"))
    for name in [data.get("Metadata", ""), *data.get("Playbooks", [])]:
        if not (folder / name).is_file():
            problems.append(f"{DATA_FILE} names {name!r}, which is not in the bundle")
    playbooks = data.get("Playbooks", [])
    if playbooks and "Connector" not in playbooks[0]:
        problems.append(f"{DATA_FILE}: the custom connector must come first in Playbooks")
    metadata_path = folder / str(data.get("Metadata", ""))
    if metadata_path.is_file():
        metadata = json.loads(metadata_path.read_text("utf-8"))
        problems += [f"{METADATA_FILE}: no {k}" for k in METADATA_FIELDS if not metadata.get(k)]
    logo = next(iter(sorted(folder.glob("Logos/*.svg"))), None)
    if logo is None:
        problems.append("no logo (Logos/*.svg)")
    else:
        if logo.stat().st_size > LOGO_LIMIT:
            problems.append(f"{logo.name} is {logo.stat().st_size} bytes; at most {LOGO_LIMIT}")
        try:
            root = ElementTree.fromstring(logo.read_bytes())  # noqa: S314 - the pack's own file
            if not root.tag.endswith("svg"):
                problems.append(f"{logo.name} is not an SVG document")
        except ElementTree.ParseError as exc:
            problems.append(f"{logo.name} does not parse: {exc}")
        if logo.relative_to(folder).as_posix() not in data.get("Logo", ""):
            problems.append(f"{DATA_FILE}: Logo does not point at {logo.name}")
    return problems


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
                        template,
                        {"Cloud": cloud, "ClientId": "client", "ClientSecret": "x"},
                        arm_environment(model, cloud),
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
    for problem in packaging_problems(folder):
        report.problems.append(problem)
    report.checks += 1
    from . import request_bodies_for

    for sample, trigger, expected in (
        ("incident-all-kinds.json", "incident", None),
        ("alert-all-kinds.json", "alert", None),
        ("alert-defender-nested.json", "alert", 6),  # two processes' image files, three hashes each
    ):
        bodies = request_bodies_for(SAMPLES / sample, trigger)
        count = len(bodies[0]["Indicators"]) if len(bodies) == 1 else 0
        report.check(
            count > 0 and expected in (None, count),
            f"{sample}: {len(bodies)} import bodies, {count} indicators evaluated",
        )
    if report.problems:
        raise SystemExit("sentinel verification failed:\n  " + "\n  ".join(report.problems))
    skipped = f"; skipped: {report.skipped[0]}" if report.skipped else ""
    print(
        f"  sentinel: {len(templates)} templates, {report.checks} checks passed "
        f"({time.monotonic() - started:.1f}s){skipped}",
        flush=True,
    )
