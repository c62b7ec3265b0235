"""Action parameters. The indicator fields (action, severity, title …) come from the schema's request
fields and their option names, as the CLI's flags do; choices are the schema's enums.
"""

from typing import Any

from pydantic import create_model
from soar_sdk.params import Param, Params

from mde_indicators.model import Field, Model, load_model
from mde_indicators.ops.inputs.readers import FORMATS

from .contains import VAULT_TYPE, id_contains, value_contains

MODEL = load_model()
# Given elsewhere: the value and type have their own parameters, the application is the asset's.
NOT_FROM_PARAMS = ("indicatorValue", "indicatorType", "application")
LIST_LIMIT = 100


def _choices(field: Field, model: Model) -> list[str] | None:
    if field.name == "action":
        return list(model.current_actions())
    return list(model.enum_values(field.enum)) if field.type == "enum" and field.enum else None


def indicator_fields(model: Model = MODEL) -> dict[str, Any]:
    """One optional parameter per request field with an option name, in schema order."""
    found: dict[str, Any] = {}
    for field in model.request_fields:
        if field.name in NOT_FROM_PARAMS or not field.option:
            continue
        if field.type == "boolean":
            found[field.option] = (bool | None, Param(description=field.doc, required=False))
            continue
        text = field.doc + (" Comma-separated." if field.type == "list" else "")
        param = Param(
            description=text,
            required=False,
            value_list=_choices(field, model),
            allow_list=field.type == "list",
        )
        found[field.option] = (str | None, param)
    return found


def wire_values(params: Params, model: Model = MODEL) -> dict[str, Any]:
    """The indicator fields a run gave, by wire name (for defaults of every item)."""
    given = params.model_dump()
    return {
        f.name: given[f.option]
        for f in model.request_fields
        if f.option in given and given[f.option] not in (None, "")
    }


def _type_param(text: str) -> Any:
    return (
        str | None,
        Param(description=text, required=False, value_list=list(MODEL.indicator_types)),
    )


def _dry_run(text: str = "Validate and report; send nothing") -> Any:
    return (bool, Param(description=text, default=False))


def _max_changes() -> Any:
    return (
        int | None,
        Param(description="Override the asset's max_changes for this run", required=False),
    )


def _vault(required: bool) -> Any:
    return (
        str if required else str | None,
        Param(
            description="Vault ID of a file: MDE portal CSV, JSON, JSON Lines, STIX 2.x or a plain list",
            required=required,
            cef_types=[VAULT_TYPE],
        ),
    )


_FORMAT = (
    str | None,
    Param(
        description="Format of the vault file (default: from its name and content)",
        required=False,
        value_list=list(FORMATS),
    ),
)
_VALUE_HELP = "The hash, certificate thumbprint, IP address, domain or URL"

SubmitParams = create_model(
    "SubmitParams",
    __base__=Params,
    indicator_value=(
        str,
        Param(description=_VALUE_HELP, primary=True, cef_types=value_contains(MODEL)),
    ),
    indicator_type=_type_param("Indicator type (empty: detected from the value)"),
    **indicator_fields(),
    dry_run=_dry_run(),
)

ImportParams = create_model(
    "ImportParams",
    __base__=Params,
    indicators=(
        str | None,
        Param(
            description="A JSON list (objects with API field names, or values), or values one a line "
            "(or comma-separated on one line)",
            required=False,
            primary=True,
            cef_types=value_contains(MODEL),
            allow_list=True,
        ),
    ),
    vault_id=_vault(required=False),
    format=_FORMAT,
    indicator_type=_type_param("Type for items that give none (empty: detected from each value)"),
    **indicator_fields(),
    max_changes=_max_changes(),
    dry_run=_dry_run(),
)

SyncParams = create_model(
    "SyncParams",
    __base__=Params,
    vault_id=_vault(required=True),
    format=_FORMAT,
    indicator_type=_type_param("Type for items that give none (empty: detected from each value)"),
    **indicator_fields(),
    delete_missing=(
        bool,
        Param(
            description="Delete indicators the asset's application owns that the file no longer lists",
            default=False,
        ),
    ),
    allow_empty=(
        bool,
        Param(
            description="Let delete_missing delete everything owned when the file has no valid item",
            default=False,
        ),
    ),
    max_changes=_max_changes(),
    dry_run=_dry_run("Plan and report what would change; write nothing"),
)


class ListParams(Params):
    indicator_type: str | None = Param(
        description="Only this type", required=False, value_list=list(MODEL.indicator_types)
    )
    indicator_value: str | None = Param(
        description="Only this value", required=False, cef_types=value_contains(MODEL)
    )
    action: str | None = Param(
        description="Only this action", required=False, value_list=list(MODEL.actions)
    )
    application: str | None = Param(
        description="Only indicators created by this application", required=False
    )
    filter: str | None = Param(
        description="A raw OData $filter, joined to the others with 'and'", required=False
    )
    page_size: int | None = Param(
        description="Indicators per list call (default and most: the API's page limit)",
        required=False,
    )
    limit: int = Param(
        description="Return at most this many indicators (pages are followed); 0 means all",
        default=LIST_LIMIT,
    )


class GetParams(Params):
    indicator_id: str = Param(description="Indicator ID", primary=True, cef_types=id_contains())


class DeleteParams(Params):
    indicator_ids: str = Param(
        description="Indicator IDs, comma-separated",
        primary=True,
        cef_types=id_contains(),
        allow_list=True,
    )
    max_changes: int | None = Param(
        description="Override the asset's max_changes for this run", required=False
    )
    dry_run: bool = Param(description="Report what would be deleted; delete nothing", default=False)


class DeleteByValueParams(Params):
    indicator_values: str = Param(
        description="Values, comma-separated or one a line",
        primary=True,
        cef_types=value_contains(MODEL),
        allow_list=True,
    )
    indicator_type: str | None = Param(
        description="Only indicators of this type (empty: detected from each value)",
        required=False,
        value_list=list(MODEL.indicator_types),
    )
    max_changes: int | None = Param(
        description="Override the asset's max_changes for this run", required=False
    )
    dry_run: bool = Param(description="Report what would be deleted; delete nothing", default=False)
