"""Verbs that read and write indicators: submit, import, list, get, delete."""

from __future__ import annotations

import json
from typing import Any, Optional, Tuple

import click

from .. import odata
from ..model import load_model
from ..readers import FORMATS, read_items
from . import Context, handle_errors, main
from .options import indicator_options, indicator_values, type_choice
from .output import EXIT_OK, print_indicators, print_results

LIST_COLUMNS = [
    "id",
    "indicatorType",
    "indicatorValue",
    "action",
    "severity",
    "title",
    "expirationTime",
    "application",
]


@main.command()
@click.option(
    "--value", "indicatorValue", required=True, help="The hash, thumbprint, IP, domain or URL."
)
@click.option(
    "--type",
    "indicatorType",
    type=type_choice(),
    default="auto",
    show_default=True,
    help="Indicator type; auto detects it.",
)
@indicator_options()
@click.option("--dry-run", is_flag=True, help="Validate and show the request; send nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@handle_errors
def submit(obj: Context, dry_run: bool, as_json: bool, **kwargs: Any) -> int:
    """Submit (or update) one indicator.

    \b
    Examples:
      mde-indicators submit --value 44d88612fea8a8f36de82e1278abb02f --action Block --severity High
      mde-indicators submit --value https://bad.example/x --action Warn --expiration 30d --dry-run
    """
    result = obj.service_for(dry_run).submit(indicator_values(kwargs), dry_run=dry_run)
    return print_results([result], as_json=as_json, title="Submit")


@main.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Input format (guessed from the name or content).",
)
@indicator_options()
@click.option(
    "--type",
    "indicatorType",
    type=type_choice(),
    default=None,
    help="Default indicator type for rows without one (auto detects).",
)
@click.option("--dry-run", is_flag=True, help="Validate and report; send nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write one CSV row per input item.",
)
@click.pass_obj
@handle_errors
def import_(
    obj: Context,
    files: Tuple[str, ...],
    fmt: Optional[str],
    dry_run: bool,
    as_json: bool,
    output: Optional[str],
    **kwargs: Any,
) -> int:
    """Import indicators from files: the MDE portal CSV template, JSON or JSON Lines ('-' is stdin).

    Flags give defaults for columns a row leaves empty. Rows go out in import calls of up to 500.

    \b
    Examples:
      mde-indicators import iocs.csv --action Block --expiration 30d
      mde-indicators list --json | mde-indicators import - --format json --dry-run
    """
    items = [item for path in files for item in read_items(path, fmt)]
    results = obj.service_for(dry_run).import_indicators(
        items, defaults=indicator_values(kwargs), dry_run=dry_run
    )
    return print_results(results, as_json=as_json, output=output, title="Import")


@main.command(name="list")
@click.option(
    "--type",
    "indicator_type",
    type=click.Choice(list(load_model().indicator_types), case_sensitive=False),
    help="Only this type.",
)
@click.option(
    "--action",
    type=click.Choice(list(load_model().actions), case_sensitive=False),
    help="Only this action.",
)
@click.option("--value", help="Only this indicator value.")
@click.option("--application", help="Only indicators created by this application name.")
@click.option(
    "--filter", "raw_filter", help="A raw OData $filter (combined with the flags by 'and')."
)
@click.option("--max", "max_items", type=int, help="Stop after this many indicators.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (every field).")
@click.pass_obj
@handle_errors
def list_(
    obj: Context,
    indicator_type: Optional[str],
    action: Optional[str],
    value: Optional[str],
    application: Optional[str],
    raw_filter: Optional[str],
    max_items: Optional[int],
    as_json: bool,
) -> int:
    """List the indicators this application can see.

    \b
    Examples:
      mde-indicators list --type FileSha256 --action Block
      mde-indicators list --filter "startswith(title,'Splunk')" --json
    """
    clauses = [
        odata.eq("indicatorType", indicator_type) if indicator_type else None,
        odata.eq("action", action) if action else None,
        odata.eq("indicatorValue", value) if value else None,
        odata.eq("application", application) if application else None,
        raw_filter,
    ]
    rows = obj.client.iter_indicators(odata.all_of(*clauses), max_items=max_items)
    return print_indicators(rows, as_json=as_json, columns=LIST_COLUMNS)


@main.command()
@click.argument("indicator_id")
@click.pass_obj
@handle_errors
def get(obj: Context, indicator_id: str) -> int:
    """Show one indicator by ID, as JSON."""
    click.echo(json.dumps(obj.client.get(indicator_id), indent=2))
    return EXIT_OK


@main.command()
@click.argument("ids", nargs=-1)
@click.option(
    "--value", "values", multiple=True, help="Delete the indicators with this value (repeatable)."
)
@click.option(
    "--type",
    "indicator_type",
    type=click.Choice(list(load_model().indicator_types), case_sensitive=False),
    help="Only indicators of this type (with --value).",
)
@click.option("--dry-run", is_flag=True, help="Show what would be deleted; delete nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@handle_errors
def delete(
    obj: Context,
    ids: Tuple[str, ...],
    values: Tuple[str, ...],
    indicator_type: Optional[str],
    dry_run: bool,
    as_json: bool,
) -> int:
    """Delete indicators by ID, or by value (IDs are looked up first).

    \b
    Examples:
      mde-indicators delete 1201 1202
      mde-indicators delete --value evil.example.com --type DomainName
    """
    if bool(ids) == bool(values):
        raise click.UsageError("Give indicator IDs or --value, not both and not neither.")
    service = obj.service
    results = (
        service.delete_ids(list(ids), dry_run=dry_run)
        if ids
        else service.delete_values(list(values), indicator_type=indicator_type, dry_run=dry_run)
    )
    return print_results(results, as_json=as_json, title="Delete")
