"""Validate templates offline: the upstream ARM deploymentTemplate schema, Azure-Sentinel's CI schema and
rules, a subset of arm-ttk, and the connector Swagger against the Power Platform apiDefinition schema.

The schemas are reference data in ../shared/schemas (mde_indicators_build.paths.SHARED); when that folder
is absent the schema checks are reported as skipped and the rule checks still run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from jsonschema import Draft4Validator, Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from ..paths import SHARED

ARM_BASE = "https://schema.management.azure.com/"
TEMPLATE_SCHEMA = ARM_BASE + "schemas/2019-04-01/deploymentTemplate.json#"
# Azure/Azure-Sentinel .script/utils/playbookCheckers/Models/playbookTemplateMetadata.ts
GALLERY_ENTITIES = frozenset(
    "account host ip url azureresource cloudapplication dnsresolution file filehash hostlogonsession "
    "iotdevice malware networkconnection process registrykey registryvalue securitygroup mailbox "
    "mailcluster mailmessage submissionmail".split()
)
LOCALE_LINK = re.compile(r"https://(docs|azure)\.microsoft\.com/[a-z]{2}-[a-z]{2}/")
# arm-ttk DeploymentTemplate-Must-Not-Contain-Hardcoded-Uri: the hosts of every URI-valued top-level
# property of its Azure environments cache (arm-ttk/cache/AllEnvironments.cache.json: AzureCloud,
# AzureUSGovernment, AzureChinaCloud, AzureGermanCloud), matched anywhere in the template text unless
# directly preceded by "https://schema.". Packaged solutions fail on any of them.
ENVIRONMENT_HOSTS = tuple(
    """management.core.windows.net gallery.azure.com portal.azure.com go.microsoft.com
    management.azure.com login.microsoftonline.com graph.windows.net datalake.azure.net
    vault.azure.net api.loganalytics.io region.asazure.windows.net attest.azure.net
    dev.azuresynapse.net batch.core.windows.net management.core.usgovcloudapi.net portal.azure.us
    manage.windowsazure.us management.usgovcloudapi.net login.microsoftonline.us
    vault.usgovcloudapi.net api.loganalytics.us region.asazure.usgovcloudapi.net
    dev.azuresynapse.usgovcloudapi.net batch.core.usgovcloudapi.net
    management.core.chinacloudapi.cn portal.azure.cn management.chinacloudapi.cn
    login.chinacloudapi.cn graph.chinacloudapi.cn vault.azure.cn api.loganalytics.azure.cn
    region.asazure.chinacloudapi.cn dev.azuresynapse.azure.cn batch.chinacloudapi.cn
    management.core.cloudapi.de portal.microsoftazure.de manage.microsoftazure.de
    management.microsoftazure.de login.microsoftonline.de graph.cloudapi.de
    vault.microsoftazure.de region.asazure.cloudapi.de batch.cloudapi.de""".split()
)
HARDCODED_HOST = re.compile("|".join(re.escape(h) for h in ENVIRONMENT_HOSTS), re.IGNORECASE)


@dataclass
class Report:
    problems: List[str] = field(default_factory=list)
    checks: int = 0
    skipped: List[str] = field(default_factory=list)

    def check(self, ok: bool, message: str) -> None:
        self.checks += 1
        if not ok:
            self.problems.append(message)

    def merge(self, other: Report) -> None:
        self.problems += other.problems
        self.checks += other.checks
        self.skipped += [s for s in other.skipped if s not in self.skipped]


def schemas_dir() -> Optional[Path]:
    path = SHARED / "schemas"
    return path if (path / "arm").is_dir() else None


def missing_schemas_reason() -> str:
    return f"reference schemas not found at {SHARED / 'schemas'} (set MDE_SHARED_DIR); schema validation skipped"


@lru_cache(maxsize=1)
def _arm_validator() -> Optional[Draft4Validator]:
    root = schemas_dir()
    if root is None:
        return None

    def retrieve(uri: str) -> Resource:
        if not uri.startswith(ARM_BASE):
            raise LookupError(f"refusing to fetch {uri}: only local schemas are used")
        local = root / "arm" / uri[len(ARM_BASE) :].split("#")[0]
        return Resource.from_contents(
            json.loads(local.read_text("utf-8")), default_specification=DRAFT4
        )

    schema = json.loads(
        (root / "arm/schemas/2019-04-01/deploymentTemplate.json").read_text("utf-8")
    )
    return Draft4Validator(schema, registry=Registry(retrieve=retrieve))  # type: ignore[call-arg]


@lru_cache(maxsize=1)
def _sentinel_validator() -> Optional[Draft4Validator]:
    root = schemas_dir()
    if root is None:
        return None
    path = root / "azure-sentinel-ci-ARM_DeploymentTemplateSchema.json"
    return Draft4Validator(json.loads(path.read_text("utf-8")))


def _json5(path: Path) -> Any:
    import json5

    return json5.loads(path.read_text("utf-8"))


@lru_cache(maxsize=1)
def _swagger_validator() -> Optional[Draft4Validator]:
    root = schemas_dir()
    if root is None:
        return None
    return Draft4Validator(_json5(root / "powerplatform/apiDefinition.swagger.schema.json"))


@lru_cache(maxsize=1)
def _api_properties_validator() -> Optional[Draft7Validator]:
    root = schemas_dir()
    if root is None:
        return None
    return Draft7Validator(_json5(root / "powerplatform/paconn-apiProperties.schema.json"))


def _leaf_messages(errors: Any, label: str) -> List[str]:
    out = []
    for error in errors:
        leaf = error
        while leaf.context:
            leaf = min(leaf.context, key=lambda e: len(e.context or []))
        path = "/".join(str(p) for p in leaf.absolute_path)
        out.append(f"{label}: {path or '(root)'}: {leaf.message[:300]}")
    return out


def validate_schema(document: Any, which: str) -> Report:
    """which: arm, sentinel-ci, swagger, api-properties."""
    report = Report()
    validator = {
        "arm": _arm_validator,
        "sentinel-ci": _sentinel_validator,
        "swagger": _swagger_validator,
        "api-properties": _api_properties_validator,
    }[which]()
    if validator is None:
        report.skipped.append(missing_schemas_reason())
        return report
    errors = list(validator.iter_errors(document))
    report.checks += 1
    report.problems += _leaf_messages(errors, f"{which} schema")
    return report


def sentinel_ci_rules(template: Mapping[str, Any]) -> Report:
    """Azure-Sentinel .script/playbooksValidator.ts and its playbookCheckers, for workflow templates."""
    report = Report()
    resources = template.get("resources", [])
    workflows = [r for r in resources if r.get("type") == "Microsoft.Logic/workflows"]
    if not workflows:
        return report
    variables = template.get("variables", {})
    report.check("PlaybookName" in template.get("parameters", {}), "no PlaybookName parameter")
    metadata = template.get("metadata", {})
    for key in ("title", "description", "lastUpdateTime"):
        report.check(bool(str(metadata.get(key, "")).strip()), f"metadata.{key} is blank")
    report.check(
        bool(str(metadata.get("support", {}).get("tier", "")).strip()),
        "metadata.support.tier is blank",
    )
    report.check(
        bool(str(metadata.get("author", {}).get("name", "")).strip()),
        "metadata.author.name is blank",
    )
    try:
        datetime.fromisoformat(str(metadata.get("lastUpdateTime", "")).replace("Z", "+00:00"))
        parsed = True
    except ValueError:
        parsed = False
    report.check(
        parsed, f"metadata.lastUpdateTime {metadata.get('lastUpdateTime')!r} is not a timestamp"
    )
    for entity in metadata.get("entities", []):
        report.check(
            entity.lower() in GALLERY_ENTITIES,
            f"metadata entity {entity!r} is not a gallery entity",
        )
    for r in resources:
        if r.get("type") != "Microsoft.Web/connections":
            continue
        for where, value in (
            ("name", r.get("name")),
            ("displayName", r.get("properties", {}).get("displayName")),
        ):
            match = re.fullmatch(r"\[variables\('([^']+)'\)\]", str(value), re.I)
            report.check(
                match is not None and match.group(1) in variables,
                f"connection {where} {value!r} is not [variables('X')]",
            )
    report.check(len(workflows) == 1, f"{len(workflows)} workflows; exactly one expected")
    for w in workflows:
        report.check(
            w.get("name") == "[parameters('PlaybookName')]", f"workflow name {w.get('name')!r}"
        )
        report.check(
            str(w.get("location", "")).lower() == "[resourcegroup().location]",
            f"workflow location {w.get('location')!r}",
        )
    return report


def arm_ttk_subset(template: Mapping[str, Any]) -> Report:
    """Cheap arm-ttk deploymentTemplate tests (arm-ttk cannot run here: it needs PowerShell)."""
    report = Report()
    text = json.dumps({k: v for k, v in template.items() if k != "metadata"})
    report.check(template.get("$schema") == TEMPLATE_SCHEMA, f"$schema {template.get('$schema')!r}")
    for name, spec in template.get("parameters", {}).items():
        report.check(f"parameters('{name}')" in text, f"parameter {name} is never used")
        report.check(
            bool(spec.get("metadata", {}).get("description")),
            f"parameter {name} has no description",
        )
        report.check(
            spec.get("type") == spec.get("type", "").lower(),
            f"parameter {name}: type must be lower case",
        )
        if spec.get("type") in ("securestring", "secureobject"):
            report.check("defaultValue" not in spec, f"secure parameter {name} has a default")
        for bound in ("minValue", "maxValue"):
            if bound in spec:
                report.check(
                    isinstance(spec[bound], int), f"parameter {name}: {bound} is not a number"
                )
    for name in template.get("variables", {}):
        report.check(f"variables('{name}')" in text, f"variable {name} is never used")
    names = {str(r.get("name", "")).strip("[]") for r in template.get("resources", [])}
    for r in template.get("resources", []):
        location = str(r.get("location", "[resourceGroup().location]"))
        report.check(location.startswith("["), f"{r.get('type')}: hard-coded location {location}")
        for dep in r.get("dependsOn", []):
            report.check(
                any(n in dep for n in names if n),
                f"{r.get('type')}: dependsOn {dep} names no resource here",
            )
    for name, output in template.get("outputs", {}).items():
        report.check(
            "secure" not in str(output.get("type", "")).lower(), f"output {name} is secure"
        )
        report.check(
            "ClientSecret" not in json.dumps(output), f"output {name} exposes a secret parameter"
        )
    report.check(
        not LOCALE_LINK.search(json.dumps(template)), "a docs link carries a locale segment"
    )
    report.check(json.dumps(template).isascii(), "non-ASCII text")
    for host in hardcoded_hosts(json.dumps(template)):
        report.problems.append(f"hard-coded URI host {host} (use environment())")
    report.checks += 1
    return report


def hardcoded_hosts(text: str) -> List[str]:
    """Cloud endpoint hosts written into a template, as arm-ttk finds them."""
    found = []
    for match in HARDCODED_HOST.finditer(text):
        if not text[: match.start()].lower().endswith("https://schema."):
            found.append(match.group())
    return sorted(set(found))


def validate_template(template: Mapping[str, Any]) -> Report:
    """Every template-level check: both schemas, the Sentinel CI rules and the arm-ttk subset."""
    report = Report()
    for which in ("arm", "sentinel-ci"):
        report.merge(validate_schema(template, which))
    report.merge(sentinel_ci_rules(template))
    report.merge(arm_ttk_subset(template))
    return report


def load(path: Path) -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data
