"""Swagger 2.0 (Power Platform connector dialect) of the MDE Indicators API, generated from the schema.

Operations, paths, enums, body keys, batch limits and x-ms-summary labels all come from the model; the
same document is embedded in the Microsoft.Web/customApis template and written as apiDefinition.swagger.json.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional
from urllib.parse import urlparse

from mde_indicators import __version__
from mde_indicators.model import Field, Model

SECURITY = "oauth2-auth"
# Power Platform (paconn, apiProperties.json) signs connections in through the global redirect; a
# Logic Apps custom connector through its region's: logic-apis-<region>.consent.azure-apim.net
# (.us in Azure Government).
CONSENT_REDIRECT = "https://global.consent.azure-apim.net/redirect"
LOGIC_APPS_REDIRECT = {
    "AzureCloud": "https://logic-apis-<region>.consent.azure-apim.net/redirect",
    "AzureUSGovernment": "https://logic-apis-<region>.consent.azure-apim.us/redirect",
}
_TYPES: Dict[str, Dict[str, Any]] = {
    "string": {"type": "string"},
    "text": {"type": "string"},
    "enum": {"type": "string"},
    "datetime": {"type": "string", "format": "date-time"},
    "boolean": {"type": "boolean"},
    "integer": {"type": "integer", "format": "int32"},
    "object": {"type": "object"},
    "list": {"type": "array", "items": {"type": "string"}},
}


def _words(name: str) -> str:
    words = re.sub(r"(?<!^)([A-Z])", r" \1", name).lower()
    return words[0].upper() + words[1:]


def _property(model: Model, f: Field, request: bool) -> Dict[str, Any]:
    prop: Dict[str, Any] = {
        k: (dict(v) if isinstance(v, dict) else v) for k, v in _TYPES[f.type].items()
    }
    prop.update({"description": f.doc, "x-ms-summary": f.label})
    if f.enum:
        values = model.enum_values(f.enum)
        if request and f.enum == "actions":
            values = model.current_actions()
        prop["enum"] = list(values)
    if request and f.max_length:
        prop["maxLength"] = f.max_length
    if request and f.pattern:
        prop["pattern"] = f.pattern
    if request and f.item_pattern:
        prop["items"]["pattern"] = f.item_pattern
    if request:
        prop["x-ms-visibility"] = "important" if f.required else "advanced"
    return prop


def definitions(model: Model) -> Dict[str, Any]:
    request = [f for f in model.fields.values() if f.request]
    response = [model.fields[n] for n in model.response_field_order]
    result = model.import_result
    return {
        "IndicatorInput": {
            "type": "object",
            "required": [f.name for f in request if f.required],
            "properties": {f.name: _property(model, f, True) for f in request},
        },
        "Indicator": {
            "type": "object",
            "properties": {f.name: _property(model, f, False) for f in response},
        },
        "IndicatorList": {
            "type": "object",
            "properties": {
                "value": {"type": "array", "items": {"$ref": "#/definitions/Indicator"}},
                "@odata.nextLink": {"type": "string", "x-ms-summary": "Next page link"},
            },
        },
        "ImportResult": {
            "type": "object",
            "properties": {
                result["id"]: {"type": "string", "x-ms-summary": "Indicator ID"},
                result["value"]: {"type": "string", "x-ms-summary": "Indicator value"},
                result["failed"]: {"type": "boolean", "x-ms-summary": "Failed"},
                result["reason"]: {"type": "string", "x-ms-summary": "Failure reason"},
            },
        },
        "ImportResults": {
            "type": "object",
            "properties": {
                "value": {"type": "array", "items": {"$ref": "#/definitions/ImportResult"}}
            },
        },
        "Error": {
            "type": "object",
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {
                        "code": {
                            "type": "string",
                            "enum": list(model.errors),
                            "x-ms-summary": "Error code",
                        },
                        "message": {"type": "string", "x-ms-summary": "Message"},
                        "target": {"type": "string", "x-ms-summary": "Request ID"},
                    },
                }
            },
        },
    }


def _body(name: str, schema: Dict[str, Any], summary: str) -> Dict[str, Any]:
    return {"name": name, "in": "body", "required": True, "schema": schema, "x-ms-summary": summary}


def _operation(model: Model, name: str) -> Dict[str, Any]:
    op = model.operations[name]
    params: List[Dict[str, Any]] = []
    if "{id}" in op.path:
        params.append(
            {
                "name": "id",
                "in": "path",
                "required": True,
                "type": "string",
                "x-ms-summary": model.fields["id"].label,
                "description": model.fields["id"].doc,
            }
        )
    ok: Dict[str, Any] = {"description": "No Content"}
    if name == "ListIndicators":
        filterable = ", ".join(f.name for f in model.filterable_fields)
        params += [
            {
                "name": "$filter",
                "in": "query",
                "type": "string",
                "x-ms-summary": "Filter",
                "description": f"OData filter on {filterable}; double single quotes inside string literals.",
            },
            {
                "name": "$top",
                "in": "query",
                "type": "integer",
                "format": "int32",
                "minimum": 0,
                "maximum": op.max_top,
                "x-ms-summary": "Top",
                "x-ms-visibility": "advanced",
            },
            {
                "name": "$skip",
                "in": "query",
                "type": "integer",
                "format": "int32",
                "minimum": 0,
                "x-ms-summary": "Skip",
                "x-ms-visibility": "advanced",
            },
        ]
        ok = {"description": "OK", "schema": {"$ref": "#/definitions/IndicatorList"}}
    elif name in ("GetIndicator", "SubmitIndicator"):
        ok = {"description": "OK", "schema": {"$ref": "#/definitions/Indicator"}}
    if name == "SubmitIndicator":
        params.append(_body("body", {"$ref": "#/definitions/IndicatorInput"}, "Indicator"))
    elif op.body_key:
        items: Dict[str, Any] = (
            {"$ref": "#/definitions/IndicatorInput"}
            if name == "ImportIndicators"
            else {"type": "string", "x-ms-summary": model.fields["id"].label}
        )
        schema = {
            "type": "object",
            "required": [op.body_key],
            "properties": {
                op.body_key: {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": op.batch_size,
                    "items": items,
                    "x-ms-summary": _words(op.body_key),
                }
            },
        }
        params.append(_body("body", schema, _words(op.body_key)))
        if name == "ImportIndicators":
            ok = {"description": "OK", "schema": {"$ref": "#/definitions/ImportResults"}}
    status = str(op.success[0])
    return {
        "operationId": name,
        "summary": _words(name),
        "description": op.doc,
        "x-ms-visibility": "important",
        "parameters": params,
        "responses": {
            status: ok,
            "default": {"description": "Error", "schema": {"$ref": "#/definitions/Error"}},
        },
    }


def swagger_document(model: Model, cloud: Optional[str] = None) -> Dict[str, Any]:
    """The connector's Swagger for one cloud (the default one unless named)."""
    entry = model.clouds[cloud or model.default_cloud]
    paths: Dict[str, Dict[str, Any]] = {}
    for name, op in model.operations.items():
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(model, name)
    authorize = f"{entry.authority_host}/common/oauth2/authorize"
    return {
        "swagger": "2.0",
        "info": {
            "title": model.raw["service"]["shortName"],
            "description": f"{model.raw['service']['name']}: submit, import, list and delete custom indicators.",
            "version": __version__,
        },
        "host": urlparse(entry.api_url).netloc,
        "basePath": model.path_prefix,
        "schemes": ["https"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": paths,
        "definitions": definitions(model),
        "parameters": {},
        "responses": {},
        "securityDefinitions": {
            SECURITY: {
                "type": "oauth2",
                "flow": "accessCode",
                "authorizationUrl": authorize,
                "tokenUrl": authorize,
                "scopes": {},
            }
        },
        "security": [{SECURITY: []}],
        "tags": [],
    }


def oauth_settings(model: Model, cloud: Optional[str], client_id: str) -> Dict[str, Any]:
    entry = model.clouds[cloud or model.default_cloud]
    return {
        "identityProvider": "aad",
        "clientId": client_id,
        "scopes": [],
        "redirectMode": "Global",
        "redirectUrl": CONSENT_REDIRECT,
        "properties": {"IsFirstParty": "False", "AzureActiveDirectoryResourceId": entry.resource},
        "customParameters": {
            "loginUri": {"value": entry.authority_host},
            "tenantId": {"value": "common"},
            "resourceUri": {"value": entry.resource},
        },
    }


def connector_properties(model: Model, connector: Dict[str, Any]) -> Dict[str, Any]:
    """apiProperties.json for `paconn create` (Power Platform), commercial cloud."""
    return {
        "properties": {
            "connectionParameters": {
                "token": {"type": "oauthSetting", "oAuthSettings": oauth_settings(model, None, "")}
            },
            "iconBrandColor": connector["brandColor"],
            "capabilities": [],
            "publisher": "MDE Indicators plugin pack",
            "stackOwner": "Microsoft",
        }
    }
