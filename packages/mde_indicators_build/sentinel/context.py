"""What the playbook templates are rendered from: the declarative playbook list plus the indicator schema.

Every enum, field name, path, batch size and cloud endpoint reaches a template through here, derived
from `load_model()`; the WDL fragments below are built from those values, never typed twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Sequence
from urllib.parse import urlparse

from mde_indicators.model import Model, load_model

from ..paths import ROOT

PLAYBOOKS_DIR = ROOT / "sentinel_playbooks"
TEMPLATES_DIR = PLAYBOOKS_DIR / "templates"
SENTINEL_CONNECTION = "azuresentinel"
CONNECTION_PREFIX = f"{SENTINEL_CONNECTION}-"
MAX_NAME = 80  # Logic Apps and API connection names


def load_config() -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads((PLAYBOOKS_DIR / "playbooks.json").read_text("utf-8"))
    return data


def lit(text: str) -> str:
    """A WDL/ARM string literal: single quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def arr(values: Sequence[str]) -> str:
    return "createArray(" + ", ".join(lit(v) for v in values) + ")"


def esc(expression: str) -> str:
    """HTML-escape a value inside a comment (entity values are attacker-controlled)."""
    return (
        f"replace(replace(replace(string({expression}), '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"
    )


@dataclass(frozen=True)
class EntityKind:
    key: str
    label: str
    kinds: List[str]
    value_properties: List[str]
    algorithm_properties: List[str]
    trigger_type: str
    gallery: str
    types: List[str]
    lowercase: bool


def entity_kinds(model: Model) -> List[EntityKind]:
    out = []
    for key, raw in model.raw["sentinelEntities"].items():
        types = [
            t.name
            for t in model.indicator_types.values()
            if t.sentinel and t.sentinel["entity"] in raw["kinds"] + [key]
        ]
        formats = {model.indicator_types[t].format for t in types}
        out.append(
            EntityKind(
                key=key,
                label=raw["label"],
                kinds=list(raw["kinds"]),
                value_properties=list(raw["valueProperties"]),
                algorithm_properties=list(raw.get("algorithmProperties", [])),
                trigger_type=raw["triggerEntityType"],
                gallery=raw["galleryEntity"],
                types=types,
                # hex hashes and domain names compare case-insensitively; URLs and IPs are kept as given
                lowercase=formats <= {"hex", "domain"},
            )
        )
    return out


class Wdl:
    """Schema-derived WDL fragments shared by the playbooks (entity -> indicator type and value)."""

    KIND = "toLower(string(coalesce(item()?['kind'], item()?['Type'], '')))"
    PROPS = "coalesce(item()?['properties'], item())"

    def __init__(self, model: Model) -> None:
        self.model = model
        self.entities = entity_kinds(model)

    def _prop(self, names: Sequence[str]) -> str:
        got = ", ".join(f"{self.PROPS}?[{lit(n)}]" for n in names)
        return f"trim(string(coalesce({got}, '')))"

    def indicator_type(self) -> str:
        branches = []
        for entity in self.entities:
            is_kind = f"contains({arr(entity.kinds)}, {self.KIND})"
            for name in entity.types:
                algorithm = (self.model.indicator_types[name].sentinel or {}).get("algorithm")
                if algorithm:
                    got = f"toUpper({self._prop(entity.algorithm_properties)})"
                    branches.append((f"and({is_kind}, equals({got}, {lit(algorithm)}))", name))
                else:
                    branches.append((is_kind, name))
        return _if_chain(branches)

    def indicator_value(self) -> str:
        branches = []
        for entity in self.entities:
            value = self._prop(entity.value_properties)
            branches.append(
                (f"contains({arr(entity.kinds)}, {self.KIND})", value, entity.lowercase)
            )
        expression = "''"
        for condition, value, lower in reversed(branches):
            expression = f"if({condition}, {f'toLower({value})' if lower else value}, {expression})"
        return expression

    def family_of(self, type_expression: str, family: str) -> str:
        names = [t.name for t in self.model.indicator_types.values() if t.family == family]
        return f"contains({arr(names)}, {type_expression})"


def _if_chain(branches: Sequence[tuple]) -> str:
    expression = "''"
    for condition, name in reversed(branches):
        expression = f"if({condition}, {lit(name)}, {expression})"
    return expression


def _families(model: Model, kinds: List[EntityKind]) -> List[Dict[str, Any]]:
    names: List[str] = []
    for entity in kinds:
        for t in entity.types:
            family = model.indicator_types[t].family
            if family not in names:
                names.append(family)
    return [
        {
            "name": f,
            "parameter": f"{f.capitalize()}Action",
            "actions": list(
                model.current_actions(
                    next(t for t in model.indicator_types.values() if t.family == f).name
                )
            ),
            "types": [t.name for t in model.indicator_types.values() if t.family == f],
        }
        for f in names
    ]


def clouds(model: Model) -> Dict[str, Dict[str, str]]:
    return {
        name: {
            "label": c.label,
            "apiUrl": c.api_url,
            "host": urlparse(c.api_url).netloc,
            "audience": c.resource,
            "authorityHost": c.authority_host,
            "portal": c.portal,
        }
        for name, c in model.clouds.items()
    }


def build_context(model: Model | None = None) -> Dict[str, Any]:
    model = model or load_model()
    config = load_config()
    kinds = entity_kinds(model)
    ops = model.operations
    result_fields = model.import_result
    families = _families(model, kinds)
    defaults = config["defaults"]
    for family in families:
        chosen = defaults["actions"][family["name"]]
        if chosen not in family["actions"]:
            raise ValueError(f"default {family['name']} action {chosen} is not in the schema")
    if defaults["severity"] not in model.severities:
        raise ValueError(f"default severity {defaults['severity']} is not in the schema")
    return {
        "model": model,
        "config": config,
        "solution": config["solution"],
        "defaults": defaults,
        "wdl": Wdl(model),
        "lit": lit,
        "arr": arr,
        "esc": esc,
        "entity_kinds": kinds,
        "families": families,
        "severities": list(model.severities),
        "clouds": clouds(model),
        "default_cloud": model.default_cloud,
        "connection": SENTINEL_CONNECTION,
        "max_playbook_name": MAX_NAME - len(CONNECTION_PREFIX),
        "api": model.path_prefix,
        "ops": ops,
        "result": result_fields,
        "fields": model.fields,
        "wire": {name: name for name in model.fields},  # wire names, so a typo fails the render
        "alert_actions": [a.name for a in model.actions.values() if a.requires_generate_alert],
        "resource_app_id": model.resource_app_id,
        "roles": model.roles,
        "resource_name": model.raw["permissions"]["resourceName"],
        "type_labels": ", ".join(e.label for e in kinds[:-1]) + f" or {kinds[-1].label}",
    }
