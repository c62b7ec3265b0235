"""`mde-indicators emulator` (or `mde-emulator`): run the local MDE emulator until SIGINT or SIGTERM.

The core CLI finds this command through the `mde_indicators.commands` entry point; the server stack is
imported only when the command runs, so the core's `--help` never loads it.
"""

from __future__ import annotations

import json
import signal
from typing import Any, Optional, Tuple

import click

from mde_indicators.model import load_model

from .faults import kinds

FAULT_HELP = f"""Inject a fault (repeatable): TARGET:KIND[,KEY=VALUE...]. TARGET is list, get, submit, import,
delete, batchdelete, api (any indicator call), token or any. KIND is {", ".join(kinds(load_model()))}.
Keys: count (default 1, inf), after, retry-after, delay, fraction, seed.
Example: import:429,count=3,retry-after=2"""


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=0, show_default=True, type=int, help="Port; 0 picks a free one.")
@click.option(
    "--data",
    default=":memory:",
    show_default=True,
    help="SQLite file (kept across restarts) or :memory:.",
)
@click.option(
    "--limits",
    default="documented",
    show_default=True,
    help="documented, off, or scaled:K (K times faster windows).",
)
@click.option("--fault", "faults", multiple=True, help=FAULT_HELP)
@click.option(
    "--app",
    "apps",
    multiple=True,
    help="Register an app: name=N,role=Ti.ReadWrite|Ti.ReadWrite.All[,secret=S][,client-id=ID][,certificate=PEM][,managed-identity=user].",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    help='JSON file: {"apps": [{"name", "role", "secret", "client_id", "certificate"}], "cap", "token_lifetime"}.',
)
@click.option(
    "--token-lifetime",
    type=int,
    help=f"Access token lifetime in seconds (default {load_model().token_lifetime_seconds}).",
)
@click.option(
    "--cap",
    type=int,
    help=f"Active indicators per tenant (default {load_model().max_active_indicators}, as documented).",
)
@click.option(
    "--request-log",
    type=click.Path(dir_okay=False),
    help="Append every request as a JSON line to this file.",
)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False),
    help="Write the client settings as KEY=VALUE lines (mode 600).",
)
def emulator(
    host: str,
    port: int,
    data: str,
    limits: str,
    faults: Tuple[str, ...],
    apps: Tuple[str, ...],
    config_file: Optional[str],
    token_lifetime: Optional[int],
    cap: Optional[int],
    request_log: Optional[str],
    env_file: Optional[str],
) -> None:
    """Run a local emulator of the MDE Indicators API and its sign-in (HTTPS, OAuth, limits, faults).

    \b
    Examples:
      mde-indicators emulator --env-file .mde-emulator.env
      mde-indicators emulator --data mde.db --limits scaled:60 --fault import:429,count=2
      set -a; . ./.mde-emulator.env; set +a; mde-indicators list
    """
    from mde_emulator.server import EmulatorServer, Settings, parse_app_spec

    settings: dict = {"token_lifetime": token_lifetime, "cap": cap}
    app_specs = [parse_app_spec(s) for s in apps]
    if config_file:
        with open(config_file, encoding="utf-8") as fh:
            config: Any = json.load(fh)
        app_specs = list(config.get("apps", [])) + app_specs
        settings = {k: settings[k] or config.get(k) for k in settings}
    try:
        server = EmulatorServer(
            Settings(
                host=host,
                port=port,
                data=data,
                limits=limits,
                faults=list(faults),
                apps=app_specs,
                request_log=request_log,
                **settings,
            )
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if env_file:
        try:
            server.write_env(env_file)
        except (ValueError, OSError) as exc:
            server.stop()
            raise click.UsageError(f"Cannot write the env file: {exc}") from None
    for key, value in server.env().items():
        click.echo(f"{key}={value}")
    click.echo(
        f"# MDE emulator listening on {server.base_url} (limits: {limits}); Ctrl-C stops it",
        err=True,
    )

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        click.echo("# MDE emulator stopped", err=True)


def main() -> None:
    """The `mde-emulator` console script."""
    emulator(prog_name="mde-emulator")
