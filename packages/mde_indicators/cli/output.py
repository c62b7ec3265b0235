"""Print per-item results and indicators: a table for people, JSON for machines, CSV for SOAR steps.

Exit statuses (mde_indicators.exits.ExitStatus): 0 every item succeeded, 1 some item invalid or failed,
2 usage or configuration error, 3 authentication or permission error.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Sequence

import click

from ..exits import ExitStatus
from ..redact import mask_credentials
from ..results import ItemResult

if TYPE_CHECKING:  # rich loads only when a table is printed
    from rich.console import Console

RESULT_COLUMNS = (
    "index",
    "value",
    "indicator_type",
    "action",
    "status",
    "indicator_id",
    "reason_code",
    "reason",
    "http_status",
    "request_id",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TABLE_LIMIT = 200  # rows shown on a terminal; --json and --output always hold every item


def exit_code(results: Sequence[ItemResult]) -> ExitStatus:
    """The most serious outcome of any result (an authentication failure beats a rejected item)."""
    return max((r.outcome for r in results), default=ExitStatus.OK)


def safe_cell(value: Any) -> str:
    """A CSV cell that spreadsheets will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_results_csv(path: str, results: Sequence[ItemResult]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(RESULT_COLUMNS)
        for r in results:
            data = r.as_dict()
            writer.writerow(
                [safe_cell(data[c] if c != "index" else r.index + 1) for c in RESULT_COLUMNS]
            )


def summary(results: Sequence[ItemResult]) -> Dict[str, int]:
    return dict(Counter(r.status.value for r in results))


def print_results(
    results: Sequence[ItemResult],
    *,
    as_json: bool,
    output: Optional[str] = None,
    title: str = "Results",
    extra: Optional[Dict[str, Any]] = None,
    quiet: Sequence[str] = (),
    limit: int = TABLE_LIMIT,
) -> int:
    """Print results (JSON, or a table of at most limit rows without the quiet statuses plus a summary);
    write the CSV file when asked; return the exit code."""
    if output:
        write_results_csv(output, results)
    if as_json:
        document = {"summary": summary(results), **(extra or {})}
        document["results"] = [r.as_dict() for r in results]
        click.echo(json.dumps(document, indent=2))
        return exit_code(results)
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=False, width=max(120, Console().width))
    shown = [r for r in results if r.status.value not in quiet]
    if shown:
        table = Table(title=title, show_lines=False)
        for column in ("#", "value", "type", "action", "status", "id", "reason"):
            table.add_column(column, overflow="fold")
        for r in shown[:limit]:
            style = "green" if r.ok else "red"
            table.add_row(
                str(r.index + 1),
                r.value,
                r.indicator_type or "",
                r.action or "",
                f"[{style}]{r.status.value}[/]",
                r.indicator_id or "",
                r.reason or "",
            )
        console.print(table)
        if len(shown) > limit:
            console.print(f"… and {len(shown) - limit:,} more rows: use --json or --output FILE.")
    print_counts(console, "Summary", summary(results))
    return exit_code(results)


def print_counts(console: Console, title: str, counts: Mapping[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=title, show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for name, count in counts.items():
        table.add_row(str(name), f"{count:,}" if isinstance(count, int) else str(count))
    if not counts:
        table.add_row("items", "0")
    console.print(table)


def print_indicators(
    rows: Iterable[Dict[str, Any]], *, as_json: bool, columns: List[str]
) -> ExitStatus:
    if as_json:
        click.echo(json.dumps(list(rows), indent=2))
        return ExitStatus.OK
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Indicators")
    for column in columns:
        table.add_column(column, overflow="fold")
    count = 0
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
        count += 1
    Console(width=max(120, Console().width)).print(table)
    click.echo(f"{count} indicator(s)")
    return ExitStatus.OK


def fail(message: str, code: int = ExitStatus.USAGE) -> None:
    click.echo(f"error: {mask_credentials(message)}", err=True)
    sys.exit(code)
