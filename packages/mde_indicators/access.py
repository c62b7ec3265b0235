"""Checking an application's access without changing anything: the app roles its token carries and a
write probe (an import of zero indicators, authorised like any write). Used by `mde-indicators check`
and the SOAR app's test connectivity.
"""

from __future__ import annotations

from typing import List, Optional

import jwt

from .client import IndicatorsClient
from .errors import MdeIndicatorsError, PermissionDenied
from .model import Model


def token_roles(token: str, model: Model) -> Optional[List[str]]:
    """The app roles in an access token, each with what it lets the app see; None when the token is not
    a JWT (its payload is read for display only: the service checks the signature)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    found = [str(r) for r in claims.get("roles") or []]
    known = model.roles
    return [
        f"{r} (sees {known[r].get('visibility', '?')} indicators)" if r in known else r
        for r in found
    ]


def describe_roles(token: str, model: Model) -> str:
    roles = token_roles(token, model)
    if roles is None:
        return "token is not a JWT; roles unknown"
    return ", ".join(roles) if roles else "no app roles in the token"


def write_probe(client: IndicatorsClient) -> str:
    """Import zero indicators: it cannot change anything, but MDE authorises it like any write.

    200 (the emulator) and 400 (an empty batch refused after authorisation) both prove write access;
    403 (PermissionDenied, raised) means the app lacks a write role."""
    op = client.model.operations["ImportIndicators"]
    try:
        client.transport.request(op.name, json_body={op.body_key: []})
    except PermissionDenied:
        raise
    except MdeIndicatorsError as exc:
        if exc.status != 400:
            raise
        return "import endpoint accepted the caller (empty batch refused with 400, nothing written)"
    return "import endpoint accepted the caller (empty batch, nothing written)"
