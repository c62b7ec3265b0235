"""Server-side validation as the real service does it, written independently of the client's validator.

Field names are case-sensitive; each failure maps to a documented error code and message template.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Dict, Optional

from mde_indicators.expiry import parse_iso
from mde_indicators.model import Model

from .store import service_time

_HEX = re.compile(r"^[0-9a-fA-F]+$")
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}$"
)
_URL = re.compile(r"^(?:https?://)?[^\s/?#*@]+(?:[/?#][^\s*]*)?$", re.I)


class CheckError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _message(model: Model, code: str, **kw: Any) -> str:
    return model.errors[code].message.format(**kw)


def _value_ok(itype: str, value: str, model: Model) -> bool:
    spec = model.indicator_types[itype]
    if spec.format == "hex":
        return bool(_HEX.match(value)) and len(value) == spec.length
    if spec.format == "ip":
        return _ip_ok(value)
    if spec.format == "domain":
        return bool(_DOMAIN.match(value.rstrip(".")))
    return bool(_URL.match(value)) and len(value) <= 4096


def _ip_ok(value: str) -> bool:
    if "/" in value or "-" in value:
        return False
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return False
    # "Specify all 8 segments" for IPv6 (defender-endpoint/indicator-ip-domain).
    if ip.version == 6 and ("::" in value or value.count(":") != 7):
        return False
    return bool(ip.is_global) and not ip.is_multicast


def check_indicator(model: Model, body: Any) -> Dict[str, Any]:
    """The stored fields of a valid indicator body, or CheckError with the service's code."""
    if not isinstance(body, dict):
        raise CheckError("InvalidRequestBody", _message(model, "InvalidRequestBody"))
    request_fields = {f.name: f for f in model.request_fields}
    lowered = {n.lower(): n for n in request_fields}
    for key in body:
        if key not in request_fields and key.lower() in lowered:
            raise CheckError(
                "InvalidRequestBody", f"Invalid request body. Unknown property '{key}'."
            )
    for f in request_fields.values():
        if f.required and (body.get(f.name) is None or body.get(f.name) == ""):
            raise CheckError(
                "MissingRequiredParameter",
                _message(model, "MissingRequiredParameter", detail=f.name),
            )
    itype, action, value = body["indicatorType"], body["action"], body["indicatorValue"]
    if itype not in model.indicator_types:
        raise CheckError(
            "InvalidInput", _message(model, "InvalidInput", detail=f"indicatorType {itype}")
        )
    if action not in model.actions:
        raise CheckError("InvalidInput", _message(model, "InvalidInput", detail=f"action {action}"))
    if not isinstance(value, str) or not _value_ok(itype, value, model):
        code = model.indicator_types[itype].invalid_error_code
        raise CheckError(code, _message(model, code, detail=value))
    if action not in model.allowed_actions(itype):
        raise CheckError(
            "InvalidInput", _message(model, "InvalidInput", detail=f"action {action} for {itype}")
        )
    severity = body.get("severity")
    if severity is not None and severity not in model.severities:
        raise CheckError(
            "InvalidInput", _message(model, "InvalidInput", detail=f"severity {severity}")
        )
    alert = body.get("generateAlert")
    if alert is not None and not isinstance(alert, bool):
        raise CheckError(
            "InvalidRequestBody", "Invalid request body. generateAlert must be a boolean."
        )
    if model.actions[action].requires_generate_alert and alert is not True:
        raise CheckError(
            "InvalidInput",
            _message(model, "InvalidInput", detail=f"GenerateAlert must be TRUE for {action}"),
        )
    fields = {f.name: body.get(f.name) for f in request_fields.values()}
    fields["expirationTime"] = _expiration(model, body.get("expirationTime"))
    for name in ("rbacGroupNames", "mitreTechniques"):
        fields[name] = _as_list(body.get(name))
    return fields


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def _expiration(model: Model, value: Optional[str]) -> Optional[str]:
    if value in (None, ""):
        return None
    try:
        return service_time(parse_iso(str(value)))
    except (ValueError, IndexError):
        raise CheckError(
            "InvalidInput", _message(model, "InvalidInput", detail=f"expirationTime {value}")
        ) from None
