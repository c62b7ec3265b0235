"""Read-only views over the indicator schema (data/indicators-1.json), the pack's single source of truth.

Everything else — validation, the client's limits, CLI options, Splunk and Sentinel files — derives from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Dict, List, Mapping, Optional, Tuple

SCHEMA_FILE = "indicators-1.json"


@dataclass(frozen=True)
class RateLimit:
    calls: int
    seconds: float


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    path: str
    success: Tuple[int, ...]
    doc: str
    rate_limits: Tuple[RateLimit, ...]
    batch_size: Optional[int] = None
    body_key: Optional[str] = None
    max_top: Optional[int] = None


@dataclass(frozen=True)
class IndicatorType:
    name: str
    label: str
    family: str
    format: str
    invalid_error_code: str
    case_rule: str = "insensitive"
    length: Optional[int] = None
    stix_paths: Tuple[str, ...] = ()
    sentinel: Optional[Mapping[str, str]] = None


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    doc: str
    requires_generate_alert: bool = False
    blocks: bool = False
    retired: bool = False
    replacement: Optional[str] = None


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    label: str
    doc: str
    request: bool = False
    response: bool = False
    required: bool = False
    filterable: bool = False
    create_only: bool = False
    enum: Optional[str] = None
    option: Optional[str] = None
    csv_column: Optional[str] = None
    default: Optional[str] = None
    max_length: Optional[int] = None
    only_types: Tuple[str, ...] = ()
    only_actions: Tuple[str, ...] = ()
    pattern: Optional[str] = None
    item_pattern: Optional[str] = None


@dataclass(frozen=True)
class Cloud:
    name: str
    label: str
    api_url: str
    authority_host: str
    resource: str
    regions: Mapping[str, str]
    portal: str


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    message: str


@dataclass(frozen=True)
class Model:
    """The whole schema, as typed read-only views."""

    raw: Mapping[str, Any] = field(repr=False)
    indicator_types: Mapping[str, IndicatorType]
    actions: Mapping[str, Action]
    actions_by_family: Mapping[str, Tuple[str, ...]]
    severities: Tuple[str, ...]
    fields: Mapping[str, Field]
    operations: Mapping[str, Operation]
    errors: Mapping[str, ErrorCode]
    clouds: Mapping[str, Cloud]
    default_cloud: str
    auto_detect_order: Tuple[str, ...]
    response_field_order: Tuple[str, ...]
    import_result: Mapping[str, str]
    max_active_indicators: int
    token_lifetime_seconds: int
    retryable_statuses: Tuple[int, ...]
    roles: Mapping[str, Mapping[str, str]]
    resource_app_id: str
    path_prefix: str
    versioned_path_prefix: str
    entity_set: str

    def allowed_actions(self, indicator_type: str) -> Tuple[str, ...]:
        """Actions the service accepts for a type (retired ones included)."""
        return self.actions_by_family[self.indicator_types[indicator_type].family]

    def current_actions(self, indicator_type: Optional[str] = None) -> Tuple[str, ...]:
        """Actions a user should choose: not retired, allowed for the type when given."""
        names = self.allowed_actions(indicator_type) if indicator_type else tuple(self.actions)
        return tuple(n for n in names if not self.actions[n].retired)

    def enum_values(self, enum: str) -> Tuple[str, ...]:
        if enum == "indicatorTypes":
            return tuple(self.indicator_types)
        if enum == "actions":
            return tuple(self.actions)
        if enum == "severities":
            return self.severities
        raise KeyError(enum)

    @property
    def request_fields(self) -> List[Field]:
        return [f for f in self.fields.values() if f.request]

    @property
    def filterable_fields(self) -> List[Field]:
        return [f for f in self.fields.values() if f.filterable]

    @property
    def csv_columns(self) -> Dict[str, str]:
        """MDE portal CSV template column -> wire field name."""
        return {f.csv_column: f.name for f in self.fields.values() if f.csv_column}

    def field_by_option(self, option: str) -> Field:
        for f in self.fields.values():
            if f.option == option:
                return f
        raise KeyError(option)

    def error_status(self, code: str) -> int:
        return self.errors[code].status


def _operation(name: str, raw: Mapping[str, Any]) -> Operation:
    return Operation(
        name=name,
        method=raw["method"],
        path=raw["path"],
        success=tuple(raw["success"]),
        doc=raw["doc"],
        rate_limits=tuple(RateLimit(r["calls"], float(r["seconds"])) for r in raw["rateLimits"]),
        batch_size=raw.get("batchSize"),
        body_key=raw.get("bodyKey"),
        max_top=raw.get("maxTop"),
    )


def _field(name: str, raw: Mapping[str, Any]) -> Field:
    return Field(
        name=name,
        type=raw["type"],
        label=raw["label"],
        doc=raw["doc"],
        request=raw.get("request", False),
        response=raw.get("response", False),
        required=raw.get("required", False),
        filterable=raw.get("filterable", False),
        create_only=raw.get("createOnly", False),
        enum=raw.get("enum"),
        option=raw.get("option"),
        csv_column=raw.get("csvColumn"),
        default=raw.get("default"),
        max_length=raw.get("maxLength"),
        only_types=tuple(raw.get("onlyTypes", ())),
        only_actions=tuple(raw.get("onlyActions", ())),
        pattern=raw.get("pattern"),
        item_pattern=raw.get("itemPattern"),
    )


SCHEMA_VERSION = 1


def build_model(raw: Mapping[str, Any]) -> Model:
    """Turn the parsed schema document into a Model."""
    if raw.get("schemaVersion") != SCHEMA_VERSION:
        raise ValueError(
            f"indicator schema version {raw.get('schemaVersion')!r} is not {SCHEMA_VERSION}, "
            "the version this code reads"
        )
    types = {
        n: IndicatorType(
            name=n,
            label=t["label"],
            family=t["family"],
            format=t["format"],
            invalid_error_code=t["invalidErrorCode"],
            case_rule=t["caseRule"],
            length=t.get("length"),
            stix_paths=tuple(t.get("stixPaths", ())),
            sentinel=t.get("sentinel"),
        )
        for n, t in raw["indicatorTypes"].items()
    }
    actions = {
        n: Action(
            name=n,
            label=a["label"],
            doc=a["doc"],
            requires_generate_alert=a.get("requiresGenerateAlert", False),
            blocks=a.get("blocks", False),
            retired=a.get("retired", False),
            replacement=a.get("replacement"),
        )
        for n, a in raw["actions"].items()
    }
    clouds = {
        n: Cloud(
            name=n,
            label=c["label"],
            api_url=c["apiUrl"],
            authority_host=c["authorityHost"],
            resource=c["resource"],
            regions=dict(c["regions"]),
            portal=c["portal"],
        )
        for n, c in raw["clouds"].items()
    }
    service = raw["service"]
    return Model(
        raw=raw,
        indicator_types=types,
        actions=actions,
        actions_by_family={k: tuple(v) for k, v in raw["actionsByFamily"].items()},
        severities=tuple(raw["severities"]),
        fields={n: _field(n, f) for n, f in raw["fields"].items()},
        operations={n: _operation(n, o) for n, o in raw["operations"].items()},
        errors={c: ErrorCode(c, e["status"], e["message"]) for c, e in raw["errors"].items()},
        clouds=clouds,
        default_cloud=raw["defaultCloud"],
        auto_detect_order=tuple(raw["autoDetectOrder"]),
        response_field_order=tuple(raw["responseFieldOrder"]),
        import_result=dict(raw["importResult"]["fields"]),
        max_active_indicators=raw["limits"]["activeIndicatorsPerTenant"],
        token_lifetime_seconds=raw["limits"]["tokenLifetimeSeconds"],
        retryable_statuses=tuple(raw["retryableStatuses"]),
        roles=raw["permissions"]["roles"],
        resource_app_id=raw["permissions"]["resourceAppId"],
        path_prefix=service["pathPrefix"],
        versioned_path_prefix=service["versionedPathPrefix"],
        entity_set=service["entitySet"],
    )


def load_raw() -> Dict[str, Any]:
    """The schema document as parsed JSON (a fresh copy)."""
    text = (
        resources.files("mde_indicators").joinpath("data").joinpath(SCHEMA_FILE).read_text("utf-8")
    )
    data: Dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def load_model() -> Model:
    """The pack's schema, loaded once per process."""
    return build_model(load_raw())
