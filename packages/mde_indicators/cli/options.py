"""Click options derived from the data: connection flags from ClientConfig, indicator flags from the schema."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict

import click

from ..config import ClientConfig, env_name
from ..model import Field, Model, load_model

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


def config_from(values: Dict[str, Any]) -> ClientConfig:
    names = {f.name for f in dataclasses.fields(ClientConfig)}
    return ClientConfig(**{k: v for k, v in values.items() if k in names and v is not None})


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
