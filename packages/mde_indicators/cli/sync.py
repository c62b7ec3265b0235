"""`mde-indicators sync`: make the indicators an application owns in MDE match threat-intel files."""

from __future__ import annotations

from typing import Any, Optional, Tuple

import click

from ..expiry import relative_duration
from ..model import load_model
from ..ops.sync.rules import PRIORITIES, parse_priorities
from . import Context, handle_errors, main
from .commands import read_all
from .options import guard_options, indicator_options, input_options, output_options
from .output import print_counts, print_results
from .progress import Reporter

PRIORITY_HELP = "; ".join(f"{k}: {v}" for k, v in PRIORITIES.items())
PLAN_LABELS = {
    "input_items": "input items",
    "create": "to create",
    "update": "to update",
    "replace": "to replace (action change)",
    "delete": "to delete",
    "owned": "owned in MDE now",
    "owned_kept": "owned, not in input, kept",
    "others": "other indicators in MDE",
    "peak": "peak active indicators",
    "cap": "cap",
}


@main.command()
@input_options
@indicator_options()
@click.option(
    "--delete-missing",
    is_flag=True,
    help="Delete indicators the application owns that the input no longer lists.",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Let --delete-missing delete everything owned when the input has no valid item.",
)
@click.option(
    "--prioritise",
    "--prioritize",
    "priorities",
    help=f"Over the cap, keep the best items by these comma-separated keys ({PRIORITY_HELP}).",
)
@click.option(
    "--max-active",
    type=click.IntRange(1, load_model().max_active_indicators),
    help="Plan against this many active indicators (default: the tenant cap); lower it to leave room "
    "for analysts' own indicators.",
)
@click.option(
    "--expiry-tolerance",
    help="Expirations this close count as equal, e.g. 1d (default: a tenth of a relative "
    "--expiration, else 1 minute).",
)
@guard_options
@click.option("--dry-run", is_flag=True, help="Plan and print what would change; write nothing.")
@click.option("--all", "show_all", is_flag=True, help="List unchanged items in the table too.")
@output_options
@click.pass_obj
@handle_errors
def sync(
    obj: Context,
    files: Tuple[str, ...],
    fmt: Optional[str],
    delete_missing: bool,
    allow_empty: bool,
    priorities: Optional[str],
    max_active: Optional[int],
    expiry_tolerance: Optional[str],
    protected: Tuple[str, ...],
    no_builtin: bool,
    max_changes: Optional[int],
    dry_run: bool,
    show_all: bool,
    as_json: bool,
    output: Optional[str],
    **kwargs: Any,
) -> int:
    """Make the indicators owned by --application NAME match the input files ('-' is stdin).

    Creates what is missing, updates what differs in a field that matters (changing the action
    imports the new indicator, then deletes the old one), and with --delete-missing deletes what the
    input no longer lists. Indicators of other applications are never changed. Nothing is written
    when nothing differs, when the plan would pass the 15,000-indicator cap (unless --prioritise says
    what to keep), or when it changes more than --max-changes.

    \b
    Examples:
      mde-indicators sync feed.stix.json --application TI-Feed --action Block --expiration 30d --dry-run
      mde-indicators sync feed.stix.json --application TI-Feed --action Block --expiration 30d \\
          --delete-missing --max-changes 2000 --output sync-results.csv
      curl -s https://ti.example/hashes.txt | mde-indicators sync - --format text \\
          --application Hash-Feed --action BlockAndRemediate --prioritise severity,newest
    """
    settings = obj.profile.settings
    application = kwargs.get("application") or settings.get("application")
    if not application:
        raise click.UsageError(
            "Name the owning application: --application NAME (or in the profile)."
        )
    try:
        keys = parse_priorities(priorities or settings.get("prioritise"))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--prioritise") from None
    tolerance = relative_duration(expiry_tolerance) if expiry_tolerance else None
    if expiry_tolerance and tolerance is None:
        raise click.BadParameter(
            "use a duration such as 30m, 12h or 1d", param_hint="--expiry-tolerance"
        )
    from ..ops.sync.apply import apply_sync, plan_results
    from ..ops.sync.plan import plan_sync

    items = read_all(files, fmt)
    service = obj.service
    with Reporter() as progress:
        plan = plan_sync(
            service,
            items,
            application=application,
            defaults=obj.defaults(kwargs),
            guardrails=obj.guardrails(protected, no_builtin),
            delete_missing=delete_missing,
            allow_empty=allow_empty,
            priorities=keys,
            max_changes=obj.max_changes(max_changes),
            cap=max_active,
            tolerance=tolerance,
            progress=progress.task("Listing indicators in MDE"),
        )
        planned = plan.summary()
        if dry_run or plan.refusal:
            results = plan_results(plan, service.model.fields)
        else:
            results = apply_sync(service, plan, progress.task("Writing", total=plan.writes))
    if plan.refusal:
        click.echo(f"error: plan refused, nothing written: {plan.refusal}", err=True)
    extra = {"application": application, "dryRun": dry_run, "plan": planned}
    extra["refusal"] = plan.refusal
    if not as_json:
        from rich.console import Console

        console = Console(width=max(120, Console().width))
        title = f"Plan for {application!r}" + (" (dry run: nothing written)" if dry_run else "")
        print_counts(console, title, {PLAN_LABELS.get(k, k): v for k, v in planned.items()})
    quiet = () if show_all else ("unchanged",)
    return print_results(
        results, as_json=as_json, output=output, title="Sync", extra=extra, quiet=quiet
    )
