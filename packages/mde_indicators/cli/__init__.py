"""The `mde-indicators` operator CLI: submit, import, list, get, delete, and the local emulator."""

from __future__ import annotations

import functools
import logging
import sys
from typing import Any, Callable, Dict, Optional

import click

from .. import __version__
from ..client import IndicatorsClient
from ..errors import ConfigurationError, MdeIndicatorsError
from ..service import IndicatorService
from .options import config_from, connection_options
from .output import EXIT_USAGE, fail


class Context:
    """Settings from the group's flags; the client is built on first use."""

    def __init__(self, settings: Dict[str, Any]) -> None:
        self.settings = settings
        self._client: Optional[IndicatorsClient] = None

    @property
    def client(self) -> IndicatorsClient:
        if self._client is None:
            self._client = IndicatorsClient.from_config(config_from(self.settings))
        return self._client

    @property
    def service(self) -> IndicatorService:
        return IndicatorService(self.client)

    def service_for(self, dry_run: bool) -> IndicatorService:
        """An offline service for dry runs of submit/import (no credentials needed to validate)."""
        return IndicatorService(None) if dry_run else self.service


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the pack's errors into a one-line message and the documented exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            code = func(*args, **kwargs)
        except ConfigurationError as exc:
            fail(str(exc), EXIT_USAGE)
        except MdeIndicatorsError as exc:
            fail(str(exc), exc.exit_code)
        sys.exit(code or 0)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="mde-indicators")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log requests (-v) or everything (-vv) to stderr; secrets are never logged.",
)
@connection_options
@click.pass_context
def main(ctx: click.Context, verbose: int, **settings: Any) -> None:
    """Manage Microsoft Defender for Endpoint custom indicators.

    Connection settings come from MDE_* environment variables or the flags below; an emulator started
    with `mde-indicators emulator --env-file .env` prints them for local use.
    """
    if verbose:
        logging.basicConfig(
            level=logging.DEBUG if verbose > 1 else logging.INFO,
            stream=sys.stderr,
            format="%(levelname)s %(name)s: %(message)s",
        )
        logging.getLogger("mde_indicators").setLevel(logging.DEBUG)
    ctx.obj = Context(settings)


from . import commands, emulator  # noqa: E402,F401  (registers the subcommands)
