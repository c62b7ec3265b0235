"""test connectivity: sign in, read one indicator, import an empty batch; the message names the roles."""

import jwt
from soar_sdk.abstract import SOARClient
from soar_sdk.exceptions import ActionFailure
from soar_sdk.logging import getLogger

from mde_indicators.client import IndicatorsClient
from mde_indicators.errors import MdeIndicatorsError, PermissionDenied

from ..asset import Asset
from . import common

logger = getLogger()


def roles(token: str, client: IndicatorsClient) -> str:
    """The app roles in the token (payload read for display only) and what each lets the app see."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return "roles unknown (the token is not a JWT)"
    known = client.model.roles
    found = [str(r) for r in claims.get("roles") or []]
    shown = [f"{r} (sees {known[r]['visibility']} indicators)" if r in known else r for r in found]
    return "roles " + ", ".join(shown) if shown else "no app roles in the token"


def write_probe(client: IndicatorsClient) -> str:
    """An import of zero indicators: it changes nothing but is authorised like any write (a 400 for the
    empty batch still proves the caller got past authorisation; 403 means no write role)."""
    op = client.model.operations["ImportIndicators"]
    try:
        client.transport.request(op.name, json_body={op.body_key: []})
    except PermissionDenied:
        raise
    except MdeIndicatorsError as exc:
        if exc.status != 400:
            raise
    return "write access (empty import accepted, nothing written)"


def test_connectivity(soar: SOARClient, asset: Asset) -> None:
    """Sign in, read one indicator and import an empty batch; fails naming the step and the error."""
    model = common.MODEL
    needed = " or ".join(model.roles)
    steps = []
    step = "configuration"
    try:
        client = common.client(asset)
        endpoints = client.transport.endpoints
        step = "sign-in"
        steps.append(
            f"signed in to {endpoints.authority_host} ({roles(client.transport.tokens.token(), client)})"
        )
        step = "read"
        listed = client.list_page(top=1).get("value") or []
        steps.append(f"read access ({len(listed)} indicator listed with $top=1)")
        step = "write"
        steps.append(write_probe(client))
    except PermissionDenied as exc:
        raise ActionFailure(
            f"{step} failed: {exc} The app registration needs the {needed} application role "
            "with admin consent."
        ) from None
    except MdeIndicatorsError as exc:
        raise ActionFailure(f"{step} failed: {exc}") from None
    text = f"Connected to {endpoints.api_url}: " + "; ".join(steps) + "."
    # The SDK reports a fixed success message; an info line is the persisted progress message in SOAR.
    logger.info(text)
