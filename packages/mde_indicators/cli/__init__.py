"""The `mde-indicators` operator CLI: sync, submit, import, list, get, delete, check, and the local emulator.

Verbs from other distributions (the emulator) plug in through the `mde_indicators.commands` entry point
group and are imported only when they run.
"""

from __future__ import annotations

import functools
import logging
import sys
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence

import click

from .. import __version__
from ..config import ClientConfig
from ..errors import ConfigurationError, MdeIndicatorsError
from ..exits import ExitStatus
from ..ops.profiles import CONFIG_ENV, PROFILE_ENV, Profile, load_profile
from ..redact import RedactFilter
from .options import connection_options, indicator_values
from .output import fail

if TYPE_CHECKING:  # the HTTP stack (requests, msal) loads only when a verb talks to MDE
    from ..client import IndicatorsClient
    from ..guardrails import Guardrails
    from ..service import IndicatorService


class Context:
    """Settings from the group's flags and the profile; both are resolved, and the client built, on first use."""

    def __init__(
        self,
        settings: Dict[str, Any],
        profile_name: Optional[str] = None,
        config_file: Optional[str] = None,
    ) -> None:
        self.settings = settings
        self.profile_name = profile_name
        self.config_file = config_file
        self._profile: Optional[Profile] = None
        self._client: Optional[IndicatorsClient] = None

    @property
    def profile(self) -> Profile:
        if self._profile is None:
            self._profile = load_profile(self.profile_name, self.config_file)
        return self._profile

    @property
    def config(self) -> ClientConfig:
        return self.profile.client_config(self.settings)

    @property
    def client(self) -> IndicatorsClient:
        if self._client is None:
            from ..client import IndicatorsClient

            self._client = IndicatorsClient.from_config(self.config)
        return self._client

    def guardrails(self, protected: Sequence[str] = (), no_builtin: bool = False) -> Guardrails:
        """Built-in protected values (unless switched off) plus the profile's and the flags' files."""
        from ..guardrails import Guardrails

        builtin = not no_builtin and self.profile.settings.get("builtin_protected", True)
        return Guardrails.load([*self.profile.protected_files, *protected], builtin=builtin)

    def defaults(self, kwargs: Dict[str, Any]) -> Dict[str, Any]:
        """Indicator field defaults: the flags given, then the profile's [defaults]."""
        return {**self.profile.defaults, **indicator_values(kwargs)}

    def max_changes(self, given: Optional[int]) -> Optional[int]:
        return given if given is not None else self.profile.settings.get("max_changes")

    @property
    def service(self) -> IndicatorService:
        from ..service import IndicatorService

        return IndicatorService(self.client)

    def service_for(self, dry_run: bool) -> IndicatorService:
        """An offline service for dry runs of submit/import (no credentials needed to validate)."""
        from ..service import IndicatorService

        return IndicatorService(None) if dry_run else self.service


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the pack's errors into a one-line message and the documented exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            code = func(*args, **kwargs)
        except ConfigurationError as exc:
            fail(str(exc), ExitStatus.USAGE)
        except MdeIndicatorsError as exc:
            fail(str(exc), exc.exit_status)
        sys.exit(code or 0)

    return wrapper


PLUGIN_GROUP = "mde_indicators.commands"
# Verbs another distribution provides: when it is absent, the verb says how to install it.
OPTIONAL_VERBS = {
    "emulator": ("the local MDE emulator", "pip install 'mde-indicators[emulator]'"),
}


@functools.cache
def _entry_points() -> Dict[str, Any]:
    from importlib.metadata import entry_points  # about 20 ms: only for --help and plugin verbs

    found: Any = entry_points()
    group = (
        found.select(group=PLUGIN_GROUP)
        if hasattr(found, "select")
        else found.get(PLUGIN_GROUP, [])  # Python 3.9
    )
    return {ep.name: ep for ep in group}


def _missing(name: str) -> click.Command:
    what, install = OPTIONAL_VERBS[name]

    @click.command(name, help=f"Run {what} (not installed: {install}).")
    def missing() -> None:
        fail(
            f"{what[0].upper()}{what[1:]} is not installed; install it with: {install}",
            ExitStatus.USAGE,
        )

    return missing


class PluginGroup(click.Group):
    """The CLI group: its own verbs, plus those other distributions register by entry point."""

    def list_commands(self, ctx: click.Context) -> List[str]:
        return sorted({*super().list_commands(ctx), *OPTIONAL_VERBS, *_entry_points()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> Optional[click.Command]:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        plugin = _entry_points().get(cmd_name)
        if plugin is not None:
            loaded: click.Command = plugin.load()
            return loaded
        return _missing(cmd_name) if cmd_name in OPTIONAL_VERBS else None


@click.group(
    cls=PluginGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
)
@click.version_option(__version__, prog_name="mde-indicators")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log requests (-v) or everything (-vv) to stderr; secrets are never logged.",
)
@click.option(
    "--profile",
    "profile_name",
    envvar=PROFILE_ENV,
    show_envvar=True,
    help="Named profile of the config file (non-secret settings and defaults).",
)
@click.option(
    "--config",
    "config_file",
    envvar=CONFIG_ENV,
    show_envvar=True,
    type=click.Path(dir_okay=False),
    help="Config file with the profiles (default ~/.config/mde-indicators/config.toml).",
)
@connection_options
@click.pass_context
def main(
    ctx: click.Context,
    verbose: int,
    profile_name: Optional[str],
    config_file: Optional[str],
    **settings: Any,
) -> None:
    """Manage Microsoft Defender for Endpoint custom indicators.

    Connection settings come from the flags below, MDE_* environment variables or a profile (in that
    order); an emulator started with `mde-indicators emulator --env-file .env` prints them for local use.

    \b
    Examples:
      mde-indicators check
      mde-indicators --profile prod sync feed.stix.json --application TI-Feed --dry-run
      mde-indicators import iocs.csv --action Block --expiration 30d
    """
    if verbose:
        logging.basicConfig(
            level=logging.DEBUG if verbose > 1 else logging.INFO,
            stream=sys.stderr,
            format="%(levelname)s %(name)s: %(message)s",
        )
        for handler in logging.getLogger().handlers:
            handler.addFilter(RedactFilter())  # a library's debug line may hold a token
        logging.getLogger("mde_indicators").setLevel(logging.DEBUG)
    ctx.obj = Context(settings, profile_name, config_file)


from . import check, commands, sync  # noqa: E402,F401  (registers the subcommands)
