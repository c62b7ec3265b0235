"""The contract suite's oracle: facts about MDE's Indicators API copied as literals from the reference,
never read from the schema (packages/mde_indicators/data/indicators-1.json), so a wrong schema cannot
agree with itself.

Sources: ../shared/reference/mde-indicators-api.md (sections cited as §n) and ../shared/seed/; the
documented examples are those of MicrosoftDocs/defender-docs defender-endpoint/api/*.md that the
reference quotes (import example 03 of §2.2, the §10 error examples), reproduced in full where the
reference shortens them ("220e…7f7f").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Tuple


@dataclass(frozen=True)
class RateLimit:
    """One documented rate limit: `calls` per `seconds` for one endpoint (per application and tenant)."""

    fact: str  # how a failing test names it
    method: str
    path: str
    calls: int
    seconds: int


# §1 (endpoint summary) and §8 (limits): per application + tenant (§8, microsoft-365-docs#10124).
IMPORTS_A_MINUTE = RateLimit("30 imports a minute", "POST", "/api/indicators/import", 30, 60)
SUBMITS_A_MINUTE = RateLimit("100 submit calls a minute", "POST", "/api/indicators", 100, 60)
SUBMITS_AN_HOUR = RateLimit("1,500 submit calls an hour", "POST", "/api/indicators", 1500, 3600)
LISTS_A_MINUTE = RateLimit("100 list calls a minute", "GET", "/api/indicators", 100, 60)
LISTS_AN_HOUR = RateLimit("1,500 list calls an hour", "GET", "/api/indicators", 1500, 3600)
DELETES_A_MINUTE = RateLimit("100 delete calls a minute", "DELETE", "/api/indicators/{id}", 100, 60)
DELETES_AN_HOUR = RateLimit(
    "1,500 delete calls an hour", "DELETE", "/api/indicators/{id}", 1500, 3600
)
BATCH_DELETES_A_MINUTE = RateLimit(
    "30 BatchDelete calls a minute", "POST", "/api/indicators/BatchDelete", 30, 60
)
BATCH_DELETES_AN_HOUR = RateLimit(
    "1,500 BatchDelete calls an hour", "POST", "/api/indicators/BatchDelete", 1500, 3600
)
PER_MINUTE = (
    IMPORTS_A_MINUTE,
    SUBMITS_A_MINUTE,
    LISTS_A_MINUTE,
    DELETES_A_MINUTE,
    BATCH_DELETES_A_MINUTE,
)
PER_HOUR = (SUBMITS_AN_HOUR, LISTS_AN_HOUR, DELETES_AN_HOUR, BATCH_DELETES_AN_HOUR)

# §2.2 "Maximum batch size is 500"; §8 "Import batch size 500".
IMPORT_BATCH = 500
# §2.6 "list empty or over 500: 400"; §8 "BatchDelete batch size 500 IDs".
BATCH_DELETE_IDS = 500
# §2.3 "$top with a max value of 10,000".
MAX_TOP = 10_000
# §2.1, §2.2, §8 "a limit of 15,000 active indicators per tenant".
ACTIVE_CAP = 15_000

# §2.3: "$filter is supported on these 13 properties".
FILTERABLE = (
    "application",
    "createdByDisplayName",
    "expirationTime",
    "generateAlert",
    "title",
    "rbacGroupNames",
    "rbacGroupIds",
    "indicatorValue",
    "indicatorType",
    "creationTimeDateTimeUtc",
    "createdBy",
    "action",
    "severity",
)
# §3: documented Indicator properties that are not among the 13.
NOT_FILTERABLE = ("description", "recommendedActions", "lastUpdateTime", "lastUpdatedBy")

# §10: the error envelope's keys and the status of each code.
ENVELOPE = ("code", "message", "target")
ERROR_STATUS: Dict[str, int] = {
    "BadRequest": 400,
    "ODataError": 400,
    "InvalidInput": 400,
    "InvalidRequestBody": 400,
    "InvalidHashValue": 400,
    "InvalidDomainName": 400,
    "InvalidIpAddress": 400,
    "InvalidUrl": 400,
    "MaximumBatchSizeExceeded": 400,
    "MissingRequiredParameter": 400,
    "OsPlatformNotSupported": 400,
    "ClientVersionNotSupported": 400,
    "Unauthorized": 401,
    "Forbidden": 403,
    "DisabledFeature": 403,
    "DisallowedOperation": 403,
    "NotFound": 404,
    "ResourceNotFound": 404,
    "TooManyRequests": 429,
    "InternalServerError": 500,
}
# §10 message templates with a fixed text (those with "{...}" holes are matched around the hole).
MAX_BATCH_MESSAGE = "Maximum batch size exceeded. Received: {received}, allowed: {allowed}."
MESSAGE_TEMPLATES: Dict[str, str] = {
    "InvalidHashValue": "Hash value {} is invalid.",
    "InvalidDomainName": "Domain name {} is invalid.",
    "InvalidIpAddress": "IP address {} is invalid.",
    "InvalidUrl": "URL {} is invalid.",
    "MissingRequiredParameter": "Parameter {} is missing.",
}
# §10, the two doc examples, verbatim.
ERROR_EXAMPLES: Tuple[Tuple[int, Dict[str, Dict[str, str]]], ...] = (
    (404, {"error": {"code": "ResourceNotFound", "message": "Machine 123123123 was not found", "target": "43f4cb08-8fac-4b65-9db1-745c2ae65f3a"}}),
    (400, {"error": {"code": "InvalidRequestBody", "message": "Request body is incorrect", "target": "1fa66c0f-18bd-4133-b378-36d76f3a2ba0"}}),
)  # fmt: skip

# §3 "Real key order (issue #8629, GET list, 2020-11), up to the cut-off".
RESPONSE_KEY_ORDER = (
    "id", "indicatorValue", "indicatorType", "action", "createdBy", "severity", "category",
    "application", "educateUrl", "bypassDurationHours", "title", "description", "recommendedActions",
    "creationTimeDateTimeUtc", "expirationTime", "lastUpdateTime", "lastUpdatedBy", "rbacGroupNames",
    "rbacGroupIds", "notificationId", "notificationBody", "version", "mitreTechniques",
    "historicalDetection", "lookBackPeriod", "generateAlert", "additionalInfo",
)  # fmt: skip
# §2.2: the keys of one import result, in the example's order; the response has no @odata.context.
IMPORT_RESULT_KEYS = ("id", "indicator", "isFailed", "failureReason")
# §1: the body keys (body parameters are case-sensitive).
IMPORT_BODY_KEY = "Indicators"
BATCH_DELETE_BODY_KEY = "IndicatorIds"
# §2.1, §2.3: @odata.context of an entity and of a collection (after the host).
ENTITY_CONTEXT = "/api/$metadata#Indicators/$entity"
COLLECTION_CONTEXT = "/api/$metadata#Indicators"

# §2.2 example 03 (import-ti-indicators.md): the request and its response, verbatim.
IMPORT_REQUEST: Dict[str, List[Dict[str, Any]]] = {
    "Indicators": [
        {
            "indicatorValue": "220e7d15b011d7fac48f2bd61114db1022197f7f",
            "indicatorType": "FileSha1",
            "title": "demo",
            "application": "demo-test",
            "expirationTime": "2021-12-12T00:00:00Z",
            "action": "Alert",
            "severity": "Informational",
            "description": "demo2",
            "recommendedActions": "nothing",
            "rbacGroupNames": ["group1", "group2"],
        },
        {
            "indicatorValue": "2233223322332233223322332233223322332233223322332233223322332222",
            "indicatorType": "FileSha256",
            "title": "demo2",
            "application": "demo-test2",
            "expirationTime": "2021-12-12T00:00:00Z",
            "action": "Alert",
            "severity": "Medium",
            "description": "demo2",
            "recommendedActions": "nothing",
            "rbacGroupNames": [],
        },
    ]
}
IMPORT_RESPONSE: Dict[str, List[Dict[str, Any]]] = {
    "value": [
        {"id": "2841", "indicator": "220e7d15b011d7fac48f2bd61114db1022197f7f", "isFailed": False, "failureReason": None},
        {"id": "2842", "indicator": "2233223322332233223322332233223322332233223322332233223322332222", "isFailed": False, "failureReason": None},
    ]
}  # fmt: skip
# §2.1 (post-ti-indicator.md): the request example.
SUBMIT_REQUEST = {
    "indicatorValue": "220e7d15b011d7fac48f2bd61114db1022197f7f",
    "indicatorType": "FileSha1",
    "title": "test",
    "application": "demo-test",
    "expirationTime": "2020-12-12T00:00:00Z",
    "action": "AlertAndBlock",
    "severity": "Informational",
    "description": "test",
    "recommendedActions": "nothing",
    "rbacGroupNames": ["group1", "group2"],
}
# The seed's "Json representation" of an Indicator (../shared/seed/indicator-resource-type.txt).
SEED_ENTITY = {
    "id": "994",
    "indicatorValue": "881c0f10c75e64ec39d257a131fcd531f47dd2cff2070ae94baa347d375126fd",
    "indicatorType": "FileSha256",
    "action": "AlertAndBlock",
    "application": None,
    "source": "",
    "sourceType": "User",
    "createdBy": "",
    "severity": "Informational",
    "title": "Michael test",
    "description": "test",
    "recommendedActions": "nothing",
    "creationTimeDateTimeUtc": "2019-12-19T09:09:46.9139216Z",
    "expirationTime": None,
    "lastUpdateTime": "2019-12-19T09:09:47.3358111Z",
    "lastUpdatedBy": None,
    "rbacGroupNames": ["team1"],
}
# §2.3 example 2 request (get-ti-indicators-collection.md), as the raw query string.
LIST_FILTER_QUERY = "$filter=action+eq+'AlertAndBlock'"
LIST_FILTER = "action eq 'AlertAndBlock'"
# §2.6 (batch-delete-ti-indicators.md) request example; §2.5 example request path.
BATCH_DELETE_REQUEST = {"IndicatorIds": ["1", "2", "5"]}
DELETE_PATH = "/api/indicators/995"
