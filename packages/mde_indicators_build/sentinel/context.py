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
from mde_testkit.logicapps.arm import ENVIRONMENTS

from ..paths import ROOT
from . import wdl
from .protection import protected_table
from .wdl import arr, esc, field, lit, with_fields

PLAYBOOKS_DIR = ROOT / "sentinel_playbooks"
TEMPLATES_DIR = PLAYBOOKS_DIR / "templates"
SENTINEL_CONNECTION = "azuresentinel"
CONNECTION_PREFIX = f"{SENTINEL_CONNECTION}-"
MAX_NAME = 80  # Logic Apps and API connection names
GOVERNMENT = "AzureUSGovernment"
ENTRY_FIELDS = ("s", "name", "ip4", "ip6", "prefix")  # what the earlier stages give an entry

__all__ = ["arr", "build_context", "clouds", "entity_kinds", "esc", "lit", "load_config"]


def load_config() -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads((PLAYBOOKS_DIR / "playbooks.json").read_text("utf-8"))
    return data


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
    """Schema-derived WDL fragments shared by the playbooks (entity -> indicator, protection)."""

    KIND = "toLower(string(coalesce(item()?['kind'], item()?['Type'], '')))"
    PROPS = "coalesce(item()?['properties'], item())"

    def __init__(self, model: Model, config: Dict[str, Any]) -> None:
        self.model = model
        self.entities = entity_kinds(model)
        self.graph = config["entityGraph"]
        self.max_labels = int(config["protection"]["maxLabels"])
        self.blocking = [a.name for a in model.actions.values() if a.blocks]

    def types_of(self, *formats: str) -> List[str]:
        return [t.name for t in self.model.indicator_types.values() if t.format in formats]

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

    # -- the entity graph ---------------------------------------------------------------------------
    def nested_entities(self) -> str:
        return wdl.nested_entities_text(
            self.graph["objectProperties"], self.graph["arrayProperties"]
        )

    def is_object(self, value: str = "item()") -> str:
        return wdl.is_object(value)

    def next_frontier(self, text: str) -> str:
        return wdl.json_array_of(text)

    # -- hosts, addresses and match keys (candidates and ProtectedValues entries alike) -------------
    def candidate_host(self) -> str:
        value = f"toLower(trim(string({field('indicatorValue')})))"
        kind = field("indicatorType")
        url = wdl.host_of_url(value)
        names = arr(self.types_of("ip", "domain"))
        return f"if(contains({arr(self.types_of('url'))}, {kind}), {url}, if(contains({names}, {kind}), {value}, ''))"

    @staticmethod
    def entry_host() -> str:
        text = field("s")
        return f"if(contains({text}, '://'), {wdl.host_of_url(text)}, first(split({text}, '/')))"

    @staticmethod
    def entry_prefix() -> str:
        text = field("s")
        return f"if(and(contains({text}, '/'), not(contains({text}, '://'))), last(split({text}, '/')), '')"

    @staticmethod
    def with_names() -> str:
        name = wdl.without_trailing_dot(field("host"))
        ip6 = f"if(and(contains({name}, ':'), {wdl.only_chars(name, wdl.HEX_DIGITS + ':.')}), {name}, '')"
        return with_fields(
            [
                ("name", name),
                ("ip6", ip6),
                ("octets", wdl.octets(name)),
                ("dots", f"length(split({name}, '.'))"),
            ]
        )

    @staticmethod
    def with_quad() -> str:
        return with_fields(
            [
                ("quad", wdl.quad(field("octets"))),
                ("quadOk", wdl.quad_ok(field("octets"), field("dots"))),
            ]
        )

    @staticmethod
    def with_ipv4() -> str:
        return with_fields([("ip4", wdl.ipv4_number(field("quad"), field("quadOk")))])

    def with_name_keys(self) -> str:
        """A candidate's hash, domain and parent-domain keys."""
        name, number, ip6 = field("name"), field("ip4"), field("ip6")
        kind = field("indicatorType")
        is_name = f"and(not(empty({name})), less({number}, 0), empty({ip6}))"
        hash_key = (
            f"if(contains({arr(self.types_of('hex'))}, {kind}), "
            f"concat('h:', toLower(string({field('indicatorValue')}))), {lit(wdl.CANDIDATE_FILLER)})"
        )
        parent = (
            f"if(and(contains({arr(self.types_of('domain'))}, {kind}), {is_name}), "
            f"concat('p:', replace({name}, '.', '|')), {lit(wdl.CANDIDATE_FILLER)})"
        )
        keys = [hash_key, *wdl.domain_suffix_keys(name, is_name, self.max_labels), parent]
        return with_fields([("nameKeys", "createArray(" + ", ".join(keys) + ")")])

    @staticmethod
    def with_address_keys() -> str:
        """A candidate's IPv4 network keys (most specific first) and IPv6 keys."""
        keys = [*reversed(wdl.ipv4_network_keys(field("ip4"))), *wdl.ipv6_keys(field("ip6"))]
        return with_fields([("ipKeys", "createArray(" + ", ".join(keys) + ")")])

    def entry_kinds(self) -> str:
        """What a ProtectedValues entry is: a hash, an IPv4 range, a domain (or an address)."""
        text, name, number, ip6, prefix = (field(f) for f in ENTRY_FIELDS)
        lengths = sorted({self.model.indicator_types[t].length or 0 for t in self.types_of("hex")})
        is_hash = f"and(empty({prefix}), {wdl.is_hex_hash(text, lengths)})"
        bits = f"int(if({wdl.is_digits(prefix)}, {prefix}, '0'))"
        is_domain = (
            f"and(not({is_hash}), less({number}, 0), empty({ip6}), empty({prefix}), "
            f"not(empty({name})), {wdl.only_chars(name, 'abcdefghijklmnopqrstuvwxyz0123456789.-_')}, "
            f"lessOrEquals(length(split({name}, '.')), {self.max_labels}))"
        )
        return with_fields(
            [
                ("isHash", is_hash),
                ("bits", bits),
                ("prefixOk", f"and({wdl.is_digits(prefix)}, lessOrEquals({bits}, 32))"),
                ("isDomain", is_domain),
            ]
        )

    def entry_keys(self) -> str:
        text, name, number, ip6, prefix = (field(f) for f in ENTRY_FIELDS)
        is_hash, bits, prefix_ok, is_domain = (
            field(f) for f in ("isHash", "bits", "prefixOk", "isDomain")
        )
        has_prefix = f"not(empty({prefix}))"
        size = f"{wdl.powers_of_two()}[min(32, {bits})]"
        filler = lit(wdl.ENTRY_FILLER)
        keys = [
            f"if({is_hash}, concat('h:', {text}), {filler})",
            f"if(and(greaterOrEquals({number}, 0), not({has_prefix})), concat('n:32/', string({number})), {filler})",
            f"if(and(greaterOrEquals({number}, 0), {has_prefix}, {prefix_ok}), "
            f"concat('n:', string({bits}), '/', string(sub({number}, mod({number}, {size})))), {filler})",
            f"if(and(not(empty({ip6})), not({has_prefix})), concat('i:', {ip6}), {filler})",
            f"if({is_domain}, concat('d:', replace({name}, '.', '|')), {filler})",
            *wdl.parent_keys(name, is_domain, self.max_labels),
        ]
        valid = (
            f"or({is_hash}, and(greaterOrEquals({number}, 0), or(not({has_prefix}), {prefix_ok})), "
            f"and(not(empty({ip6})), not({has_prefix})), {is_domain})"
        )
        return with_fields(
            [("keys", "join(createArray(" + ", ".join(keys) + "), ',')"), ("valid", valid)]
        )

    def with_check(self, action: str) -> str:
        keys = f"union({field('nameKeys')}, {field('ipKeys')})"
        matched = f"coalesce(first(intersection({keys}, outputs('Protected_Keys'))), '')"
        return with_fields(
            [
                ("action", action),
                ("blocks", f"contains({arr(self.blocking)}, {action})"),
                ("matched", matched),
            ]
        )

    @staticmethod
    def with_reason() -> str:
        value, matched = field("indicatorValue"), field("matched")
        entry = f"outputs('Protected_Builtin')?['labels']?[{matched}]"
        label = f"coalesce({entry}?['label'], 'ProtectedValues parameter')"
        child = f"replace(coalesce({entry}?['child'], 'one of its subdomains'), '|', '.')"
        parent = f"concat('Blocking ', {value}, ' would also block ', {child}, ', a protected value (', {label}, ').')"
        exact = f"concat({value}, ' is a protected value (', {label}, '); it is never blocked.')"
        reason = f"if(startsWith({matched}, 'p:'), {parent}, {exact})"
        return with_fields(
            [("reason", f"if(and({field('blocks')}, not(empty({matched}))), {reason}, '')")]
        )


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


def arm_environment(model: Model, cloud: str) -> str:
    """The Azure cloud (environment().name) a Defender for Endpoint cloud's tenants live in."""
    portal = model.clouds[cloud].portal.rstrip("/")
    return next(n for n, e in ENVIRONMENTS.items() if e["portal"].rstrip("/") == portal)


def clouds(model: Model) -> Dict[str, Dict[str, str]]:
    """The per-cloud values a template needs; sign-in hosts and portals come from environment()."""
    return {
        name: {
            "label": c.label,
            "apiUrl": c.api_url,
            "host": urlparse(c.api_url).netloc,
            "audience": c.resource,
        }
        for name, c in model.clouds.items()
    }


def cloud_default(model: Model) -> str:
    """Cloud's default: the first government cloud when deployed in Azure Government."""
    government = next(n for n in model.clouds if arm_environment(model, n) == GOVERNMENT)
    return (
        f"[if(equals(environment().name, {lit(GOVERNMENT)}), "
        f"{lit(government)}, {lit(model.default_cloud)})]"
    )


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
        "wdl": Wdl(model, config),
        "lit": lit,
        "arr": arr,
        "esc": esc,
        "entity_kinds": kinds,
        "families": families,
        "severities": list(model.severities),
        "clouds": clouds(model),
        "portals": {n: c.portal.rstrip("/") for n, c in model.clouds.items()},
        "default_cloud": model.default_cloud,
        "cloud_default": cloud_default(model),
        "government": GOVERNMENT,
        "connection": SENTINEL_CONNECTION,
        "max_playbook_name": MAX_NAME - len(CONNECTION_PREFIX),
        "api": model.path_prefix,
        "ops": ops,
        "result": result_fields,
        "fields": model.fields,
        "wire": {name: name for name in model.fields},  # wire names, so a typo fails the render
        "alert_actions": [a.name for a in model.actions.values() if a.requires_generate_alert],
        "blocking_actions": [a.name for a in model.actions.values() if a.blocks],
        "resource_app_id": model.resource_app_id,
        "roles": model.roles,
        "resource_name": model.raw["permissions"]["resourceName"],
        "sentinel_app": config["sentinelApp"],
        "protected": protected_table(config["protection"]["refusedNetworks"]),
        "graph": config["entityGraph"],
        "type_labels": ", ".join(e.label for e in kinds[:-1]) + f" or {kinds[-1].label}",
    }
