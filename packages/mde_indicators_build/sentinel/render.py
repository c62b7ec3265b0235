"""Render the playbook and connector templates (jinja2) into ARM templates and readmes.

Templates are JSON with jinja; the rendered text must parse, and is re-serialised as ASCII-only JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List
from urllib.parse import quote

import jinja2

from .context import TEMPLATES_DIR, build_context
from .swagger import (
    CONSENT_REDIRECT,
    LOGIC_APPS_REDIRECT,
    SECURITY,
    connector_properties,
    oauth_settings,
    swagger_document,
)

CLOUD = "variables('MdeClouds')[parameters('Cloud')]"


@dataclass(frozen=True)
class Rendered:
    name: str  # folder name: the playbook (or connector) name
    kind: str  # "playbook" or "connector"
    template: Dict[str, Any]
    readme: str
    extra: Dict[str, Any]  # other files of the folder (name -> JSON document)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.do"],
        autoescape=False,  # noqa: S701 - JSON and Markdown, not HTML
    )
    env.policies["json.dumps_kwargs"] = {"sort_keys": False}  # keep the schema's order
    env.filters["fromjson"] = json.loads
    env.filters["uriencode"] = lambda s: quote(str(s), safe="")
    return env


def _json(text: str, source: str) -> Dict[str, Any]:
    if "{{" in text or "{%" in text:
        raise ValueError(f"{source}: a jinja expression was left unrendered (nested in a string?)")
    try:
        data: Dict[str, Any] = json.loads(text)
    except json.JSONDecodeError as exc:
        lines = text.splitlines()
        near = "\n".join(lines[max(0, exc.lineno - 3) : exc.lineno + 2])
        raise ValueError(f"{source} does not render to JSON: {exc}\n{near}") from None
    return data


def arm_connector_parts(model: Any) -> Dict[str, Any]:
    """The Swagger and OAuth settings with the cloud-dependent values as template expressions: the
    API host and audience from the cloud table, the sign-in host from environment() (no hard-coded
    sign-in URI), and the Logic Apps consent redirect of the resource group's region."""
    swagger = swagger_document(model)
    swagger["host"] = f"[{CLOUD}.host]"
    authorize = "[concat(variables('LoginHost'), '/common/oauth2/authorize')]"
    swagger["securityDefinitions"][SECURITY].update(authorizationUrl=authorize, tokenUrl=authorize)
    oauth = oauth_settings(model, None, "[parameters('ClientId')]")
    oauth.pop("redirectMode")  # a Power Platform setting; Logic Apps uses its regional redirect
    oauth["redirectUrl"] = "[variables('RedirectUrl')]"
    oauth["clientSecret"] = "[parameters('ClientSecret')]"
    oauth["properties"]["AzureActiveDirectoryResourceId"] = f"[{CLOUD}.audience]"
    oauth["customParameters"]["loginUri"]["value"] = "[variables('LoginHost')]"
    oauth["customParameters"]["resourceUri"]["value"] = f"[{CLOUD}.audience]"
    return {
        "swagger_arm": swagger,
        "oauth_arm": oauth,
        "power_platform_redirect": CONSENT_REDIRECT,
        "logic_apps_redirect": LOGIC_APPS_REDIRECT,
    }


def render_all(model: Any = None) -> List[Rendered]:
    env = environment()
    ctx = build_context(model)
    solution = ctx["solution"]
    out: List[Rendered] = []
    connector = ctx["config"]["connector"]
    swagger = swagger_document(ctx["model"])
    connector_ctx = dict(
        ctx, connector=connector, swagger=swagger, **arm_connector_parts(ctx["model"])
    )
    template = _json(
        env.get_template(connector["template"]).render(connector_ctx), connector["name"]
    )
    readme = env.get_template(connector["readme"]).render(
        connector_ctx,
        pb=connector,
        deploy_url=f"{solution['deployBaseUrl']}/{connector['name']}/azuredeploy.json",
    )
    extra = {
        "apiDefinition.swagger.json": swagger,
        "apiProperties.json": connector_properties(ctx["model"], connector),
    }
    out.append(Rendered(connector["name"], "connector", template, readme, extra))
    for pb in ctx["config"]["playbooks"]:
        template = _json(env.get_template(pb["template"]).render(ctx, pb=pb), pb["name"])
        readme = env.get_template(pb["readme"]).render(
            ctx,
            pb=pb,
            template=template,
            deploy_url=f"{solution['deployBaseUrl']}/{pb['name']}/azuredeploy.json",
            logic_apps_redirect=LOGIC_APPS_REDIRECT,
        )
        out.append(Rendered(pb["name"], "playbook", template, readme, {}))
    return out


def dumps(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"
