"""Render the Splunk app's schema-derived files (confs, spec files, setup choices) with jinja2 at build time.

The command table comes from the app's own mde_splunk/spec.py, so the runtime Options and searchbnf.conf
cannot drift apart.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List

import jinja2

from mde_indicators.model import Model, load_model

from ..paths import ROOT, version

SOURCE = ROOT / "splunk_app"
TEMPLATES = Path(__file__).with_name("templates")
# template -> path inside the app
OUTPUTS = {
    "app.conf.j2": "default/app.conf",
    "app.manifest.j2": "app.manifest",
    "commands.conf.j2": "default/commands.conf",
    "searchbnf.conf.j2": "default/searchbnf.conf",
    "mde_indicators_accounts.conf.spec.j2": "README/mde_indicators_accounts.conf.spec",
    "mde_indicators_setup.js.j2": "appserver/static/mde_indicators_setup.js",
    "alert_actions.conf.j2": "default/alert_actions.conf",
    "alert_actions.conf.spec.j2": "README/alert_actions.conf.spec",
}
# template -> path inside the app, once per alert action (a: the action)
PER_ACTION = {"alert.html.j2": "default/data/ui/alerts/{name}.html"}
CUSTOM_CONFS = ("mde_indicators", "mde_indicators_accounts")
# The platform floor: Splunk 9.3 is the first whose Python (3.9) runs every vendored library; Splunk
# Cloud Platform 9.3.2408 and later likewise. README.md says the same.
SPLUNK_VERSIONS = ">=9.3.0"


def app_build(version: str) -> int:
    """app.conf [install] build: a positive integer that grows with every release (semver order)."""
    major, minor, patch = (int(p) for p in version.split("+")[0].split("-")[0].split(".")[:3])
    return major * 1_000_000 + minor * 1_000 + patch


def app_spec() -> ModuleType:
    """The app's command table module, loaded from the source tree (it needs only the core)."""
    path = SOURCE / "lib" / "mde_splunk" / "spec.py"
    loaded = importlib.util.spec_from_file_location("mde_splunk_spec", path)
    assert loaded and loaded.loader
    module = importlib.util.module_from_spec(loaded)
    sys.modules[loaded.name] = module  # dataclasses look their module up while the class is built
    loaded.loader.exec_module(module)
    return module


def context(model: Model, app: str) -> Dict[str, Any]:
    spec = app_spec()
    clouds = {name: sorted(c.regions) for name, c in model.clouds.items()}
    return {
        "app": app,
        "version": version(),
        "build": app_build(version()),
        "splunk_versions": SPLUNK_VERSIONS,
        "model": model,
        "commands": spec.commands(model),
        "alert_actions": spec.alert_actions(model),
        "cam_json": lambda action: json.dumps(action.cam(model, app)),
        "account_fields": spec.ACCOUNT_FIELDS,
        "status_fields": spec.STATUS_FIELDS,
        "custom_confs": CUSTOM_CONFS,
        "clouds": clouds,
        "clouds_json": json.dumps(
            {
                "clouds": clouds,
                "default": model.default_cloud,
                "labels": {n: c.label for n, c in model.clouds.items()},
            },
            sort_keys=True,
        ),
    }


def render(target: Path, app: str) -> List[Path]:
    """Write every rendered file into the staged app at target; returns their paths."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "xml"]),
    )
    values = context(load_model(), app)
    jobs = [(t, r, values) for t, r in OUTPUTS.items()]
    for action in values["alert_actions"]:
        jobs += [
            (t, r.format(name=action.name), {**values, "a": action}) for t, r in PER_ACTION.items()
        ]
    written = []
    for template, relative, given in jobs:
        path = target / relative
        if path.exists():
            raise SystemExit(f"{relative} is generated; remove it from splunk_app/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(env.get_template(template).render(**given), encoding="utf-8")
        written.append(path)
    return written
