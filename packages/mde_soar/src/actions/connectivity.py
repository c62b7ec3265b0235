"""test connectivity: sign in, read one indicator, import an empty batch; the message names the roles."""

from soar_sdk.abstract import SOARClient
from soar_sdk.exceptions import ActionFailure
from soar_sdk.logging import getLogger

from mde_indicators.access import token_roles, write_probe
from mde_indicators.errors import MdeIndicatorsError, PermissionDenied

from ..asset import Asset
from . import common

logger = getLogger()


def _roles(token: str) -> str:
    found = token_roles(token, common.MODEL)
    if found is None:
        return "roles unknown (the token is not a JWT)"
    return "roles " + ", ".join(found) if found else "no app roles in the token"


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
            f"signed in to {endpoints.authority_host} ({_roles(client.transport.tokens.token())})"
        )
        step = "read"
        listed = client.list_page(top=1).get("value") or []
        steps.append(f"read access ({len(listed)} indicator listed with $top=1)")
        step = "write"
        steps.append("write access: " + write_probe(client))
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
