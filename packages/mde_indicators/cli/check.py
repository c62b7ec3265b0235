"""`mde-indicators check` (sign-in, read and write access, effective settings) and `completion`."""

from __future__ import annotations

import json
from typing import Any, Dict, List

import click

from ..errors import ConfigurationError, MdeIndicatorsError
from ..exits import ExitStatus
from . import Context, main

COMPLETE_VAR = "_MDE_INDICATORS_COMPLETE"


def _probe(step: str, run: Any) -> Dict[str, Any]:
    try:
        detail = run()
    except MdeIndicatorsError as exc:
        return {
            "check": step,
            "ok": False,
            "detail": str(exc),
            "error": type(exc).__name__,
            "exit_status": int(exc.exit_status),
        }
    return {"check": step, "ok": True, "detail": detail}


@main.command()
@click.option("--no-write-probe", is_flag=True, help="Skip the write-permission probe.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def check(obj: Context, no_write_probe: bool, as_json: bool) -> None:
    """Verify sign-in, read access and write permission, and print the effective settings (secrets
    masked). The write probe imports an empty batch, which changes nothing.

    Exit code 0 when every check passes, 2 for a configuration error, 3 when sign-in or a permission
    fails, 1 otherwise.

    \b
    Examples:
      mde-indicators check
      mde-indicators --profile prod check --json
    """
    from ..access import describe_roles, write_probe  # the HTTP stack loads only when check runs

    checks: List[Dict[str, Any]] = []
    settings: Dict[str, Any] = {}
    try:
        profile = obj.profile
        config = obj.config
        settings = config.describe()
        config.check()
    except ConfigurationError as exc:
        checks.append(
            {
                "check": "configuration",
                "ok": False,
                "detail": str(exc),
                "error": "ConfigurationError",
                "exit_status": int(exc.exit_status),
            }
        )
    else:
        sources = {k: v for k, v in profile.secret_sources.items() if settings.get(k)}
        settings.update({f"{k} from": v for k, v in sources.items()})
        settings["profile"] = f"{profile.name} ({profile.path})" if profile.name else None
        model = obj.client.model
        checks.append(
            _probe(
                "sign-in",
                lambda: describe_roles(obj.client.transport.tokens.token(), model),
            )
        )
        if checks[-1]["ok"]:
            checks.append(
                _probe(
                    "read",
                    lambda: (
                        f"listed {len(obj.client.list_page(top=1).get('value') or [])} indicator(s) with $top=1"
                    ),
                )
            )
        if checks[-1]["ok"] and not no_write_probe:
            checks.append(_probe("write", lambda: write_probe(obj.client)))
    code = _exit_code(checks)
    if as_json:
        click.echo(
            json.dumps(
                {"ok": code == ExitStatus.OK, "checks": checks, "settings": settings}, indent=2
            )
        )
    else:
        _print(checks, settings)
    raise SystemExit(code)


def _exit_code(checks: List[Dict[str, Any]]) -> ExitStatus:
    """The exit status the first failed check's error calls for (0 when all passed)."""
    failed = [c for c in checks if not c["ok"]]
    return ExitStatus(failed[0]["exit_status"]) if failed else ExitStatus.OK


def _print(checks: List[Dict[str, Any]], settings: Dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(120, Console().width))
    table = Table(title="Checks")
    for column in ("check", "result", "detail"):
        table.add_column(column, overflow="fold")
    for c in checks:
        table.add_row(c["check"], "[green]ok[/]" if c["ok"] else "[red]FAILED[/]", c["detail"])
    console.print(table)
    shown = Table(title="Effective settings (secrets masked)", show_header=False)
    shown.add_column("setting")
    shown.add_column("value", overflow="fold")
    for key, value in settings.items():
        if value is not None:
            shown.add_row(key, str(value))
    console.print(shown)


@main.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish.

    \b
    Examples:
      eval "$(mde-indicators completion bash)"        # add to ~/.bashrc
      eval "$(mde-indicators completion zsh)"         # add to ~/.zshrc
      mde-indicators completion fish > ~/.config/fish/completions/mde-indicators.fish
    """
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    if cls is None:  # pragma: no cover - click ships all three
        raise click.UsageError(f"No completion for {shell}.")
    click.echo(cls(main, {}, "mde-indicators", COMPLETE_VAR).source())
