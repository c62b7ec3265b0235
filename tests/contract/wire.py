"""Checks of MDE's documented wire shapes: the error envelope and codes, and the documented examples'
requests and responses, against the emulator (and, for import results, the client through the replay)."""

from __future__ import annotations

import uuid
from typing import Any, Callable, Dict, Tuple

import requests

from mde_emulator import EmulatorServer
from mde_indicators.client import IndicatorsClient
from mde_indicators.model import Model
from mde_indicators.service import IndicatorService
from tests.contract import facts
from tests.contract.stack import api, body

# -- the error envelope and codes -------------------------------------------------------------------


def error_of(response: requests.Response) -> Dict[str, Any]:
    """The envelope's error object, checked against §10: exactly code, message and a GUID target."""
    error: Dict[str, Any] = response.json()["error"]
    assert tuple(sorted(error)) == tuple(sorted(facts.ENVELOPE)), (
        f"§10: an error is {{'error': {{{', '.join(facts.ENVELOPE)}}}}}; got {sorted(error)}"
    )
    assert uuid.UUID(error["target"]), error
    assert response.status_code == facts.ERROR_STATUS[error["code"]], (
        f"§10: {error['code']} is HTTP {facts.ERROR_STATUS[error['code']]}; the emulator sent "
        f"{response.status_code}"
    )
    return error


Trigger = Callable[[requests.Session, str], requests.Response]
TRIGGERS: Dict[str, Tuple[Trigger, str]] = {
    "InvalidRequestBody": (lambda s, u: s.post(u + "/api/indicators", data="{not json", headers={"Content-Type": "application/json"}), ""),
    "MissingRequiredParameter": (lambda s, u: s.post(u + "/api/indicators", json={k: v for k, v in body().items() if k != "title"}), "title"),
    "InvalidHashValue": (lambda s, u: s.post(u + "/api/indicators", json=body("abc")), "abc"),
    "InvalidIpAddress": (lambda s, u: s.post(u + "/api/indicators", json=body("1.2.3", indicatorType="IpAddress")), "1.2.3"),
    "InvalidDomainName": (lambda s, u: s.post(u + "/api/indicators", json=body("bad..example", indicatorType="DomainName")), "bad..example"),
    "InvalidUrl": (lambda s, u: s.post(u + "/api/indicators", json=body("not a url", indicatorType="Url")), "not a url"),
    "ODataError": (lambda s, u: s.get(u + "/api/indicators", params={"$filter": "description eq 'x'"}), ""),
    "ResourceNotFound": (lambda s, u: s.get(u + "/api/indicators/999999999"), ""),
    "Unauthorized": (lambda s, u: requests.get(u + "/api/indicators", verify=s.verify, timeout=30), ""),
}  # fmt: skip


def check_emulator_error(code: str, emulator: EmulatorServer) -> None:
    trigger, hole = TRIGGERS[code]
    error = error_of(trigger(api(emulator), emulator.base_url))
    assert error["code"] == code, f"§10: expected {code}, the emulator answered {error}"
    if code in facts.MESSAGE_TEMPLATES:
        assert error["message"] == facts.MESSAGE_TEMPLATES[code].format(hole), (
            f"§10: {code} says {facts.MESSAGE_TEMPLATES[code]!r}; the emulator said {error['message']!r}"
        )


# -- the documented examples ------------------------------------------------------------------------


def check_emulator_entity(emulator: EmulatorServer, model: Model) -> None:
    """The documented submit answered with the entity: @odata.context, the real key order, the echo."""
    response = api(emulator).post(emulator.base_url + "/api/indicators", json=facts.SUBMIT_REQUEST)
    assert response.status_code == 200, response.text
    entity = response.json()
    assert entity["@odata.context"] == emulator.base_url + facts.ENTITY_CONTEXT
    keys = tuple(k for k in entity if k != "@odata.context")[: len(facts.RESPONSE_KEY_ORDER)]
    assert keys == facts.RESPONSE_KEY_ORDER, (
        f"the response's key order is {facts.RESPONSE_KEY_ORDER} (mde-indicators-api.md §3, a real "
        f"response of issue #8629); the emulator sends {keys}"
    )
    assert entity["id"].isdigit() and entity["rbacGroupNames"] == ["group1", "group2"]
    assert entity["indicatorValue"] == facts.SUBMIT_REQUEST["indicatorValue"]
    assert entity["lastUpdatedBy"] is None, "§3: null until the first update"


def check_emulator_import_shape(emulator: EmulatorServer, model: Model) -> None:
    """The documented import answered as example 03: {"value": [id, indicator, isFailed, failureReason]}."""
    response = api(emulator).post(
        emulator.base_url + "/api/indicators/import", json=facts.IMPORT_REQUEST
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert list(answer) == ["value"], "§2.2: the import response has no @odata.context"
    sent = [i["indicatorValue"] for i in facts.IMPORT_REQUEST[facts.IMPORT_BODY_KEY]]
    shapes = [tuple(r) for r in answer["value"]]
    assert shapes == [facts.IMPORT_RESULT_KEYS] * len(sent), (
        f"an import result is {facts.IMPORT_RESULT_KEYS} (mde-indicators-api.md §2.2); the emulator "
        f"sends {shapes}"
    )
    assert [r["indicator"] for r in answer["value"]] == sent, (
        "§2.2: results echo the values in order"
    )
    assert all(r["id"].isdigit() and r["isFailed"] is False and r["failureReason"] is None for r in answer["value"])  # fmt: skip


def check_client_import_results(replay: Any, client: IndicatorsClient) -> None:
    """The client reads example 03's result shape, a failed item's failureReason included."""
    first, second = (i["indicatorValue"] for i in facts.IMPORT_REQUEST[facts.IMPORT_BODY_KEY])
    reason = "Failed to import the indicator (contract vector)."
    answer = {
        "value": [
            facts.IMPORT_RESPONSE["value"][0],
            {"id": None, "indicator": second, "isFailed": True, "failureReason": reason},
        ]
    }
    replay.queue(200, answer)
    items = [body(first, indicatorType="FileSha1"), body(second)]
    results = IndicatorService(client).import_indicators(items)
    got = [(r.status.value, r.indicator_id, r.reason) for r in results]
    assert got == [("submitted", "2841", None), ("failed", None, reason)], (
        f"an import result is {facts.IMPORT_RESULT_KEYS} (mde-indicators-api.md §2.2); from example "
        f"03's shape the client made {got}"
    )
