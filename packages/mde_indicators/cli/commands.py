"""Verbs that read and write indicators one run at a time: submit, import, list, get, delete."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

import click

from .. import odata
from ..exits import ExitStatus
from ..model import load_model
from ..ops.inputs.readers import read_items
from ..results import Status
from . import Context, handle_errors, main
from .options import guard_options, indicator_options, input_options, output_options, type_choice
from .output import print_indicators, print_results
from .progress import Reporter

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
@click.option(
    "--protected",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="File of values never to block; adds to the built-in list.",
)
@click.option("--no-builtin-protected", "no_builtin", is_flag=True, help="Skip the built-in list.")
@click.option("--dry-run", is_flag=True, help="Validate and show the request; send nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@handle_errors
def submit(
    obj: Context,
    protected: Tuple[str, ...],
    no_builtin: bool,
    dry_run: bool,
    as_json: bool,
    **kwargs: Any,
) -> int:
    """Submit (or update) one indicator. A protected value (e.g. 8.8.8.8) is never blocked: the
    command then exits 1 with the reason, since nothing it was asked to do was done.

    \b
    Examples:
      mde-indicators submit --value 44d88612fea8a8f36de82e1278abb02f --action Block --severity High
      mde-indicators submit --value https://bad.example/x --action Warn --expiration 30d --dry-run
    """
    service = obj.service_for(dry_run)
    item = obj.defaults(kwargs)
    guard = obj.guardrails(protected, no_builtin)
    result = service.submit(item, guard=guard, dry_run=dry_run)
    code = print_results([result], as_json=as_json, title="Submit")
    return max(code, ExitStatus.ITEMS) if result.status is Status.PROTECTED else code


@main.command(name="import")
@input_options
@indicator_options()
@guard_options
@click.option("--dry-run", is_flag=True, help="Validate and report; send nothing.")
@output_options
@click.pass_obj
@handle_errors
def import_(
    obj: Context,
    files: Tuple[str, ...],
    fmt: Optional[str],
    protected: Tuple[str, ...],
    no_builtin: bool,
    max_changes: Optional[int],
    dry_run: bool,
    as_json: bool,
    output: Optional[str],
    **kwargs: Any,
) -> int:
    """Import indicators from files ('-' is stdin): the MDE portal CSV template, JSON or JSON Lines with
    API field names, STIX 2.x bundles, or plain lists (one value a line, '#' comments).

    Flags give defaults for fields a row leaves empty. Rows go out in import calls of up to 500; an
    import only adds and updates, see `sync` to also remove what a feed no longer lists.

    \b
    Examples:
      mde-indicators import iocs.csv --action Block --expiration 30d
      mde-indicators import feed.stix.json --action Audit --severity Medium --output results.csv
      grep -v '^$' hashes.txt | mde-indicators import - --format text --action BlockAndRemediate
      mde-indicators list --json | mde-indicators import - --format json --dry-run
    """
    items = read_all(files, fmt)
    service = obj.service_for(dry_run)
    with Reporter() as progress:
        results = service.import_indicators(
            items,
            defaults=obj.defaults(kwargs),
            guard=obj.guardrails(protected, no_builtin),
            max_changes=obj.max_changes(max_changes),
            dry_run=dry_run,
            progress=progress.task("Importing", total=len(items)),
        )
    return print_results(results, as_json=as_json, output=output, title="Import")


def read_all(files: Tuple[str, ...], fmt: Optional[str]) -> List[Dict[str, Any]]:
    """Every item of every input file, in order."""
    return [item for path in files for item in read_items(path, fmt)]


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
    """Show one indicator by ID, as JSON.

    \b
    Examples:
      mde-indicators get 1201
      mde-indicators get 1201 | jq .expirationTime
    """
    click.echo(json.dumps(obj.client.get(indicator_id), indent=2))
    return ExitStatus.OK


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
@click.option(
    "--max-changes",
    type=click.IntRange(min=0),
    default=None,
    help="Abort before deleting anything if more than N indicators would go.",
)
@click.option("--dry-run", is_flag=True, help="Show what would be deleted; delete nothing.")
@output_options
@click.pass_obj
@handle_errors
def delete(
    obj: Context,
    ids: Tuple[str, ...],
    values: Tuple[str, ...],
    indicator_type: Optional[str],
    max_changes: Optional[int],
    dry_run: bool,
    as_json: bool,
    output: Optional[str],
) -> int:
    """Delete indicators by ID, or by value (IDs are looked up first).

    \b
    Examples:
      mde-indicators delete 1201 1202
      mde-indicators delete --value evil.example.com --type DomainName --dry-run
      mde-indicators delete --value 1.2.3.4 --value 5.6.7.8 --max-changes 2
    """
    if bool(ids) == bool(values):
        raise click.UsageError("Give indicator IDs or --value, not both and not neither.")
    service, limit = obj.service, obj.max_changes(max_changes)
    if ids:
        results = service.delete_ids(list(ids), dry_run=dry_run, max_changes=limit)
    else:
        results = service.delete_values(
            list(values), indicator_type=indicator_type, dry_run=dry_run, max_changes=limit
        )
    return print_results(results, as_json=as_json, output=output, title="Delete")
