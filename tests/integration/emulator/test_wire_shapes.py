"""Wire shapes from the reference's examples: import results, list collection, entity, envelope, paths."""

from __future__ import annotations

import re
import uuid

from tests.contract.facts import RESPONSE_KEY_ORDER
from tests.integration.emulator.conftest import Call, indicator

SHA = "881c0f10c75e64ec39d257a131fcd531f47dd2cff2070ae94baa347d375126fd"
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$")


def test_import_returns_per_item_results_without_odata_context(call: Call) -> None:
    response = call(
        "POST", "/api/indicators/import", json={"Indicators": [indicator(SHA), indicator("bad")]}
    )
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["value"]
    ok, bad = body["value"]
    assert (
        ok == {"id": ok["id"], "indicator": SHA, "isFailed": False, "failureReason": None}
        and ok["id"].isdigit()
    )
    assert (
        bad["isFailed"] is True
        and bad["id"] is None
        and bad["failureReason"] == "Hash value bad is invalid."
    )


def test_submit_returns_the_entity_in_the_services_key_order(call: Call) -> None:
    response = call(
        "POST",
        "/api/indicators",
        json=indicator(SHA, severity="Informational", rbacGroupNames=["team1"]),
    )
    assert response.status_code == 200
    entity = response.json()
    assert entity["@odata.context"].endswith("/api/$metadata#Indicators/$entity")
    keys = tuple(k for k in entity if k != "@odata.context")
    # The real response's order (mde-indicators-api.md §3), then the keys seen after its cut-off.
    assert keys[: len(RESPONSE_KEY_ORDER)] == RESPONSE_KEY_ORDER
    assert set(keys[len(RESPONSE_KEY_ORDER) :]) == {
        "createdBySource", "createdByDisplayName", "externalId", "certificateInfo"
    }  # fmt: skip
    assert entity["id"].isdigit() and entity["createdBySource"] == "PublicApi"
    assert TIME.match(entity["creationTimeDateTimeUtc"]) and TIME.match(entity["lastUpdateTime"])
    assert (
        entity["lastUpdatedBy"] is None
        and entity["rbacGroupNames"] == ["team1"]
        and entity["generateAlert"] is False
    )


def test_list_is_an_odata_collection_echoing_the_host(call: Call, emulator) -> None:  # type: ignore[no-untyped-def]
    call("POST", "/api/indicators", json=indicator(SHA))
    body = call("GET", "/api/indicators").json()
    assert body["@odata.context"] == f"{emulator.base_url}/api/$metadata#Indicators"
    assert [r["indicatorValue"] for r in body["value"]] == [SHA]
    assert "@odata.nextLink" not in body


def test_expiration_time_is_returned_in_whole_seconds(call: Call) -> None:
    entity = call(
        "POST",
        "/api/indicators",
        json=indicator(SHA, expirationTime="2030-08-18T08:57:45.1234567Z"),
    ).json()
    assert entity["expirationTime"] == "2030-08-18T08:57:45Z"


def test_errors_use_the_envelope_with_a_fresh_guid_target(call: Call) -> None:
    first = call("GET", "/api/indicators/999").json()["error"]
    second = call("GET", "/api/indicators/999").json()["error"]
    assert set(first) == {"code", "message", "target"} and first["code"] == "ResourceNotFound"
    assert uuid.UUID(first["target"]) and first["target"] != second["target"]


def test_every_operation_is_also_served_under_api_v1_0(call: Call) -> None:
    created = call("POST", "/api/v1.0/indicators", json=indicator(SHA)).json()
    assert call("GET", f"/api/v1.0/indicators/{created['id']}").status_code == 200
    assert (
        call(
            "POST", "/api/v1.0/indicators/import", json={"Indicators": [indicator("a" * 64)]}
        ).status_code
        == 200
    )
    assert call("DELETE", f"/api/v1.0/indicators/{created['id']}").status_code == 204
    ids = [r["id"] for r in call("GET", "/api/v1.0/indicators").json()["value"]]
    assert (
        call("POST", "/api/v1.0/indicators/BatchDelete", json={"IndicatorIds": ids}).status_code
        == 204
    )


def test_ids_are_increasing_numeric_strings_never_reused(call: Call) -> None:
    a = call("POST", "/api/indicators", json=indicator("a" * 64)).json()["id"]
    call("DELETE", f"/api/indicators/{a}")
    b = call("POST", "/api/indicators", json=indicator("b" * 64)).json()["id"]
    assert int(b) > int(a)


def test_unknown_paths_are_404_envelopes(call: Call) -> None:
    response = call("GET", "/api/machines")
    assert response.status_code == 404 and response.json()["error"]["code"] == "NotFound"
