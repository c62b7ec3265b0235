"""Click options derived from the data (connection flags from ClientConfig, indicator flags from the schema)
and the options several verbs share: inputs, outputs and guardrails.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict

import click

from ..config import ClientConfig, env_name
from ..model import Field, Model, load_model
from ..ops.inputs.readers import FORMATS

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
CONNECTION_HELP = {
    "tenant_id": "Entra ID tenant (directory) ID.",
    "client_id": "Application (client) ID of the app registration.",
    "client_secret": "Client secret (prefer the environment variable; never logged).",
    "client_certificate": "PEM file with the app's certificate and private key.",
    "client_certificate_password": "Passphrase of the certificate's private key.",
    "managed_identity": "'system' or the client ID of a user-assigned managed identity.",
    "cloud": "commercial, gcc, gcc-high or dod.",
    "region": "Regional API host (commercial only): us, eu, uk, au, swa, ina.",
    "api_url": "API base URL override (e.g. the local emulator).",
    "authority_url": "Sign-in host override (e.g. the local emulator); msal still acquires the token.",
    "resource": "Token audience override.",
    "ca_bundle": "Extra trusted CA file (TLS verification is never switched off).",
    "proxy": "HTTPS proxy URL (HTTPS_PROXY and NO_PROXY are honoured too).",
}


def connection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """One --flag per ClientConfig field, each also read from its MDE_* environment variable."""
    for f in reversed(dataclasses.fields(ClientConfig)):
        flag = "--" + f.name.replace("_", "-")
        kind: Any = type(f.default) if isinstance(f.default, (int, float)) else str
        help_text = CONNECTION_HELP.get(f.name, f"{f.name.replace('_', ' ')} (default {f.default})")
        func = click.option(
            flag,
            f.name,
            type=kind,
            default=None,
            show_envvar=True,
            envvar=env_name(f.name),
            help=help_text,
        )(func)
    return func


def _click_type(field: Field, model: Model) -> Any:
    if field.type == "enum" and field.enum:
        return click.Choice(list(model.enum_values(field.enum)), case_sensitive=False)
    return str


def indicator_options(skip: tuple = ("indicatorValue", "indicatorType")) -> Decorator:
    """--action, --severity, --title … for every request field of the schema (except skipped ones)."""
    model = load_model()

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for field in reversed(model.request_fields):
            if field.name in skip or not field.option:
                continue
            flag = "--" + field.option.replace("_", "-")
            if field.type == "boolean":
                func = click.option(
                    f"{flag}/--no-{flag[2:]}", field.name, default=None, help=field.doc
                )(func)
            else:
                func = click.option(
                    flag,
                    field.name,
                    type=_click_type(field, model),
                    default=None,
                    help=field.doc + (" Comma-separated." if field.type == "list" else ""),
                )(func)
        return func

    return decorate


def indicator_values(kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """The wire-named indicator fields given on the command line (None when absent)."""
    model = load_model()
    return {f.name: kwargs[f.name] for f in model.request_fields if kwargs.get(f.name) is not None}


def type_choice() -> click.Choice:
    return click.Choice(["auto", *load_model().indicator_types], case_sensitive=False)


def _stack(*decorators: Decorator) -> Decorator:
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for d in reversed(decorators):
            func = d(func)
        return func

    return decorate


def input_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """FILES…, --format and a default --type for rows without one."""
    return _stack(
        click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True)),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(FORMATS),
            default=None,
            help="Input format; guessed from the name or content (STIX bundles and plain lists too).",
        ),
        click.option(
            "--type",
            "indicatorType",
            type=type_choice(),
            default=None,
            help="Indicator type for rows without one (default: detected from the value).",
        ),
    )(func)


def output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    return _stack(
        click.option(
            "--json", "as_json", is_flag=True, help="Print JSON (summary and every item)."
        ),
        click.option(
            "--output",
            type=click.Path(dir_okay=False, writable=True),
            help="Also write one CSV row per input item (spreadsheet-safe) to this file.",
        ),
    )(func)


def guard_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--protected FILE…, --no-builtin-protected and --max-changes N."""
    return _stack(
        click.option(
            "--protected",
            "protected",
            multiple=True,
            type=click.Path(exists=True, dir_okay=False),
            help="File of values never to block (one a line, '#' comments); adds to the built-in list.",
        ),
        click.option(
            "--no-builtin-protected",
            "no_builtin",
            is_flag=True,
            help="Do not apply the built-in protected values (sign-in, update, public DNS, empty file).",
        ),
        click.option(
            "--max-changes",
            type=click.IntRange(min=0),
            default=None,
            help="Abort before writing anything if more than N indicators would change.",
        ),
    )(func)
