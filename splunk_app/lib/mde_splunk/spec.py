"""The app's search commands, alert actions and their arguments, derived from the indicator schema.

One table feeds the runtime (splunklib Options, argument checks) and the build (commands.conf, searchbnf.conf,
alert_actions.conf with each action's adaptive response metadata, the alert forms and spec).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Dict, Iterable, List, Optional, Tuple

from mde_indicators.config import SECRET_FIELDS, ClientConfig
from mde_indicators.expiry import parse_expiration
from mde_indicators.model import Field, Model
from mde_indicators.validate import AUTO, parse_bool

# Columns every row returned by a write command carries (splunklib takes a chunk's header from its first row).
STATUS_FIELDS = (
    "mde_status",
    "mde_indicator_id",
    "mde_error",
    "mde_value",
    "mde_type",
    "mde_action",
)
FIELD_SUFFIX = "_field"
CERTIFICATE = "client_certificate"
# Account settings kept in mde_indicators_accounts.conf: every ClientConfig field but the credential ones.
ACCOUNT_FIELDS = tuple(
    f.name for f in fields(ClientConfig) if f.name not in (*SECRET_FIELDS, CERTIFICATE)
)
_KIND_BY_TYPE = {"enum": "enum", "boolean": "bool", "datetime": "expiration", "list": "list"}


@dataclass(frozen=True)
class Arg:
    name: str
    kind: str  # field, enum, bool, int, text, expiration, list, odata
    doc: str
    choices: Tuple[str, ...] = ()
    default: Optional[str] = None
    wire: Optional[str] = None  # the schema field this argument sets or filters on
    label: Optional[str] = None

    @property
    def placeholder(self) -> str:
        if self.choices:
            return "(" + "|".join(self.choices) + ")"
        return {"field": "<field>", "bool": "<bool>", "int": "<int>"}.get(self.kind, "<string>")


@dataclass(frozen=True)
class Command:
    name: str
    kind: str  # streaming or generating
    writes: bool
    shortdesc: str
    description: str
    args: Tuple[Arg, ...]
    examples: Tuple[Tuple[str, str], ...]

    @property
    def filename(self) -> str:
        return f"{self.name}.py"

    def arg(self, name: str) -> Arg:
        return next(a for a in self.args if a.name == name)


def field_arg(model: Model, f: Field, *, allow_auto: bool = False) -> Arg:
    """The argument setting one schema field; choices and kind come from the field."""
    kind = _KIND_BY_TYPE.get(f.type, "text")
    choices: Tuple[str, ...] = ()
    if f.enum:
        choices = model.enum_values(f.enum)
        if f.enum == "actions":
            choices = model.current_actions()
        if allow_auto:
            choices = (AUTO, *choices)
    return Arg(f.option or f.name, kind, f.doc, choices, wire=f.name, label=f.label)


def _common(writes: bool) -> Tuple[Arg, ...]:
    args = [
        Arg(
            "account",
            "text",
            "Name of the MDE account configured in the app (default: the default account).",
        )
    ]
    if writes:
        args.append(
            Arg(
                "dry_run",
                "bool",
                "Validate and report without sending anything to MDE.",
                default="false",
            )
        )
    return tuple(args)


def submit_command(model: Model) -> Command:
    value = model.fields["indicatorValue"]
    settable = [f for f in model.request_fields if f.option and f.name != value.name]
    args = [
        Arg(
            "field",
            "field",
            f"Field holding the {value.label.lower()}.",
            default="indicator",
            wire=value.name,
        )
    ]
    args += [field_arg(model, f, allow_auto=f.enum == "indicatorTypes") for f in settable]
    args += [
        Arg(
            f"{f.option}{FIELD_SUFFIX}",
            "field",
            f"Field holding a per-row {f.label.lower()}; where it has a value it overrides {f.option}=.",
            wire=f.name,
        )
        for f in settable
    ]
    batch = model.operations["ImportIndicators"].batch_size
    return Command(
        name="mdesubmit",
        kind="streaming",
        writes=True,
        shortdesc="Submits the indicator values of each result to Microsoft Defender for Endpoint.",
        description=(
            "Validates the value in field= of every result, de-duplicates within the search and imports the "
            f"valid indicators in calls of at most {batch}. Every result gets mde_status, mde_indicator_id and "
            "mde_error. Nothing is sent during preview. Requires the mde_indicators_write capability."
        ),
        args=(*args, *_common(True)),
        examples=(
            (
                "index=edr sha256=* | stats count by sha256 | mdesubmit field=sha256 action=Block severity=High expiration=30d",
                "Block every SHA-256 seen in EDR events for 30 days.",
            ),
            (
                "| inputlookup bad_domains.csv | mdesubmit field=domain type=auto action=Warn title_field=reason dry_run=true",
                "Check a lookup of domains without sending anything, with a per-row title.",
            ),
        ),
    )


def list_command(model: Model) -> Command:
    filters = [
        field_arg(model, f)
        for f in model.filterable_fields
        if f.option and f.type in ("string", "enum", "boolean")
    ]
    cap = model.max_active_indicators
    return Command(
        name="mdelist",
        kind="generating",
        writes=False,
        shortdesc="Lists the custom indicators of Microsoft Defender for Endpoint, one event per indicator.",
        description=(
            "Generates one event per indicator with every field; _time is the last update time. Filter with an "
            "OData filter= or with equality arguments, combined with and."
        ),
        args=(
            Arg("filter", "odata", "OData $filter expression, e.g. action eq 'Block'."),
            *filters,
            Arg(
                "max", "int", f"Stop after this many indicators (default {cap}).", default=str(cap)
            ),
            *_common(False),
        ),
        examples=(
            ("| mdelist action=Block", "Every indicator that blocks."),
            (
                "| mdelist filter=\"indicatorType eq 'Url'\" max=100",
                "The first 100 URL indicators.",
            ),
        ),
    )


def delete_command(model: Model) -> Command:
    itype = model.fields["indicatorType"]
    return Command(
        name="mdedelete",
        kind="streaming",
        writes=True,
        shortdesc="Deletes Microsoft Defender for Endpoint indicators by ID or by value.",
        description=(
            "Deletes the indicators whose ID is in id_field=, or looks up the indicators whose value is in field= "
            "(of type= when given) and deletes them, in batch calls. Every result gets mde_status, "
            "mde_indicator_id and mde_error. Requires the mde_indicators_write capability."
        ),
        args=(
            Arg("id_field", "field", "Field holding indicator IDs.", wire="id"),
            Arg(
                "field",
                "field",
                "Field holding indicator values to look up and delete.",
                wire="indicatorValue",
            ),
            field_arg(model, itype, allow_auto=True),
            *_common(True),
        ),
        examples=(
            ("| mdelist action=Audit | mdedelete id_field=id", "Delete every Audit indicator."),
            (
                '| makeresults | eval d="bad.example.net" | mdedelete field=d type=DomainName',
                "Delete by value.",
            ),
        ),
    )


def retry_command(model: Model) -> Command:
    batch = model.operations["ImportIndicators"].batch_size
    return Command(
        name="mderetry",
        kind="generating",
        writes=True,
        shortdesc="Delivers the indicators waiting in the app's outbox to Microsoft Defender for Endpoint.",
        description=(
            "Sends the outbox entries that are due (the alert action keeps there what MDE could not take at "
            f"once) in import calls of at most {batch}, removes the delivered ones and backs off or gives up "
            "the rest; one event per entry. A scheduled search runs it every 5 minutes. Requires the "
            "mde_indicators_write capability."
        ),
        args=(
            Arg("max", "int", "Deliver at most this many entries in this run.", default="5000"),
            *_common(False),
        ),
        examples=(("| mderetry", "Deliver every due outbox entry now."),),
    )


def alert_params(model: Model) -> Tuple[Arg, ...]:
    """Parameters of the mde_submit_indicator alert action (param.<name>), like mdesubmit's arguments."""
    value = model.fields["indicatorValue"]
    params = [
        Arg(
            "indicator_field",
            "field",
            f"Result field holding the {value.label.lower()}.",
            default="indicator",
        )
    ]
    for f in model.request_fields:
        if f.option and f.name != value.name:
            arg = field_arg(model, f, allow_auto=f.enum == "indicatorTypes")
            if f.enum == "indicatorTypes":
                arg = Arg(
                    "indicator_type", arg.kind, arg.doc, arg.choices, AUTO, arg.wire, arg.label
                )
            params.append(arg)
    return (*params, *_common(False))


def remove_params(model: Model) -> Tuple[Arg, ...]:
    """Parameters of the mde_remove_indicator alert action: which field, which type, which account."""
    value = model.fields["indicatorValue"]
    itype = field_arg(model, model.fields["indicatorType"], allow_auto=True)
    return (
        Arg(
            "indicator_field",
            "field",
            f"Result field holding the {value.label.lower()}s to remove.",
            default="indicator",
        ),
        Arg(
            "indicator_type",
            itype.kind,
            "Type of the values; auto: each value's detected type. Only indicators of that type go.",
            itype.choices,
            AUTO,
            itype.wire,
            itype.label,
        ),
        *_common(False),
    )


@dataclass(frozen=True)
class AlertAction:
    """A custom alert action that is also an adaptive response action of Splunk Enterprise Security."""

    name: str
    label: str
    description: str
    params: Tuple[Arg, ...]
    category: Tuple[str, ...]
    task: Tuple[str, ...]
    required: Tuple[str, ...]

    def cam(self, model: Model, app: str) -> Dict[str, Any]:
        """param._cam: the common action model's classification (Splunk_SA_CIM
        README/alert_actions.conf.spec, Appendix A). field_name_params makes Incident Review offer the
        notable's fields for indicator_field; drilldown_uri opens the app's history of the invocation."""
        return {
            "category": list(self.category),
            "task": list(self.task),
            "subject": sorted({CAM_SUBJECTS[t.family] for t in model.indicator_types.values()}),
            "technology": [{"vendor": VENDOR, "product": PRODUCT}],
            "supports_adhoc": True,
            "field_name_params": [f"param.{a.name}" for a in self.params if a.kind == "field"],
            "required_params": [f"param.{name}" for name in self.required],
            # The history is kept [audit] retention_days, so searching all of it stays cheap.
            "drilldown_uri": (
                f"../{app}/{HISTORY_VIEW}?form.sid=$sid$&form.range.earliest=0&form.range.latest=now"
            ),
        }


SUBMIT_ACTION = "mde_submit_indicator"
REMOVE_ACTION = "mde_remove_indicator"
HISTORY_VIEW = "mde_indicators_overview"
VENDOR, PRODUCT = "Microsoft", "Defender for Endpoint"
# The common action model's subject of each indicator family (MDE enforces every indicator on devices).
CAM_SUBJECTS = {
    "file": "endpoint.file",
    "certificate": "endpoint.certificate",
    "network": "endpoint.network",
}


def alert_actions(model: Model) -> Tuple[AlertAction, ...]:
    types = ", ".join(t.label for t in model.indicator_types.values())
    return (
        AlertAction(
            name=SUBMIT_ACTION,
            label="Submit indicator to Microsoft Defender for Endpoint",
            description=(
                f"Submits the indicators in each result's chosen field to MDE ({types}). What MDE "
                "cannot take now is kept in the app's outbox and delivered later. Needs the "
                "mde_indicators_write capability."
            ),
            params=alert_params(model),
            category=("Device Control",),
            task=("create", "update", "block", "allow"),
            required=("indicator_field", "action"),
        ),
        AlertAction(
            name=REMOVE_ACTION,
            label="Remove indicator from Microsoft Defender for Endpoint",
            description=(
                "Deletes the MDE indicators with the values (and type) in each result's chosen field, "
                "only those the app created unless an admin allows any. Needs the mde_indicators_write "
                "capability."
            ),
            params=remove_params(model),
            category=("Device Control",),
            task=("delete", "allow"),
            required=("indicator_field",),
        ),
    )


def commands(model: Model) -> Tuple[Command, ...]:
    return (submit_command(model), list_command(model), delete_command(model), retry_command(model))


def arg_problems(args: Iterable[Arg], values: Dict[str, Any]) -> List[str]:
    """Every problem with the given argument values (choices, booleans, numbers, expirations)."""
    problems = []
    for arg in args:
        value = values.get(arg.name)
        if value is None:
            continue
        text = str(value).strip()
        if arg.choices and text.lower() not in {c.lower() for c in arg.choices}:
            problems.append(
                f"{arg.name}={text} is not valid; choose one of {', '.join(arg.choices)}."
            )
        elif arg.kind == "bool" and parse_bool(text) is None:
            problems.append(f"{arg.name}={text} is not true or false.")
        elif arg.kind == "int" and not (text.isdigit() and int(text) > 0):
            problems.append(f"{arg.name}={text} is not a positive whole number.")
        elif arg.kind == "expiration":
            _, problem = parse_expiration(text)
            if problem:
                problems.append(f"{arg.name}: {problem.message}")
        elif arg.kind == "field" and not text:
            problems.append(f"{arg.name}= needs a field name.")
    return problems
