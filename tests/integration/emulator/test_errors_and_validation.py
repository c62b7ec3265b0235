"""Server-side validation mirrors the service: case-sensitive fields, documented codes and limits."""

from __future__ import annotations

import pytest

from tests.integration.emulator.conftest import Call, indicator

SHA = "a" * 64


def error(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.text
    return str(response.json()["error"]["code"])


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (indicator("xyz"), "InvalidHashValue"),
        (indicator("a" * 63), "InvalidHashValue"),
        (indicator("10.0.0.1", indicatorType="IpAddress"), "InvalidIpAddress"),
        (indicator("1.2.3.0/24", indicatorType="IpAddress"), "InvalidIpAddress"),
        (indicator("2001:4860:4860::8888", indicatorType="IpAddress"), "InvalidIpAddress"),
        (indicator("*.bad.example", indicatorType="DomainName"), "InvalidDomainName"),
        (indicator("https://bad example/", indicatorType="Url"), "InvalidUrl"),
        ({k: v for k, v in indicator(SHA).items() if k != "title"}, "MissingRequiredParameter"),
        (
            {k: v for k, v in indicator(SHA).items() if k != "indicatorValue"},
            "MissingRequiredParameter",
        ),
        (
            {
                **{k: v for k, v in indicator(SHA).items() if k != "indicatorValue"},
                "IndicatorValue": SHA,
            },
            "InvalidRequestBody",
        ),
        (indicator(SHA, indicatorType="filesha256"), "InvalidInput"),
        (indicator(SHA, action="Quarantine"), "InvalidInput"),
        (indicator(SHA, severity="Critical"), "InvalidInput"),
        (indicator(SHA, action="Audit"), "InvalidInput"),
        (indicator(SHA, action="Audit", generateAlert=False), "InvalidInput"),
        (indicator(SHA, generateAlert="true"), "InvalidRequestBody"),
        (
            indicator("bad.example", indicatorType="DomainName", action="BlockAndRemediate"),
            "InvalidInput",
        ),
        (
            indicator(SHA[:40], indicatorType="CertificateThumbprint", action="Block"),
            "InvalidInput",
        ),
        (indicator(SHA, expirationTime="next week"), "InvalidInput"),
        (["not", "an", "object"], "InvalidRequestBody"),
    ],
)
def test_submit_rejects_what_the_service_rejects(call: Call, body: object, code: str) -> None:
    assert error(call("POST", "/api/indicators", json=body)) == code


def test_audit_with_generate_alert_is_accepted(call: Call) -> None:
    assert (
        call(
            "POST", "/api/indicators", json=indicator(SHA, action="Audit", generateAlert=True)
        ).status_code
        == 200
    )


def test_non_json_body_is_invalid_request_body(call: Call) -> None:
    assert (
        error(
            call(
                "POST",
                "/api/indicators",
                data="{not json",
                headers={"Content-Type": "application/json"},
            )
        )
        == "InvalidRequestBody"
    )


def test_import_body_key_is_case_sensitive_and_bounded(call: Call) -> None:
    assert (
        error(call("POST", "/api/indicators/import", json={"indicators": [indicator(SHA)]}))
        == "MissingRequiredParameter"
    )
    too_many = call(
        "POST",
        "/api/indicators/import",
        json={"Indicators": [indicator(f"{n:064x}") for n in range(501)]},
    )
    assert error(too_many) == "MaximumBatchSizeExceeded"
    assert (
        too_many.json()["error"]["message"]
        == "Maximum batch size exceeded. Received: 501, allowed: 500."
    )
    assert (
        call(
            "POST",
            "/api/indicators/import",
            json={"Indicators": [indicator(f"{n:064x}") for n in range(500)]},
        ).status_code
        == 200
    )


def test_import_reports_invalid_items_inside_a_200(call: Call) -> None:
    body = {
        "Indicators": [
            indicator(SHA),
            indicator("b" * 64, action="Audit"),
            {"indicatorValue": "c" * 64},
        ]
    }
    results = call("POST", "/api/indicators/import", json=body).json()["value"]
    assert [r["isFailed"] for r in results] == [False, True, True]
    assert (
        "GenerateAlert" in results[1]["failureReason"]
        and "is missing" in results[2]["failureReason"]
    )


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"IndicatorIds": []}, 400, "InvalidInput"),
        ({"IndicatorIds": [str(n) for n in range(501)]}, 400, "MaximumBatchSizeExceeded"),
        ({"IndicatorIds": ["abc"]}, 400, "InvalidInput"),
        ({"indicatorIds": ["1"]}, 400, "MissingRequiredParameter"),
        ({"IndicatorIds": ["424242"]}, 404, "ResourceNotFound"),
    ],
)
def test_batch_delete_errors(call: Call, body: object, status: int, code: str) -> None:
    response = call("POST", "/api/indicators/BatchDelete", json=body)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)


def test_batch_delete_is_all_or_nothing(call: Call) -> None:
    created = call("POST", "/api/indicators", json=indicator(SHA)).json()["id"]
    assert (
        call(
            "POST", "/api/indicators/BatchDelete", json={"IndicatorIds": [created, "424242"]}
        ).status_code
        == 404
    )
    assert call("GET", f"/api/indicators/{created}").status_code == 200
    assert (
        call("POST", "/api/indicators/BatchDelete", json={"IndicatorIds": [created]}).status_code
        == 204
    )
    assert call("GET", f"/api/indicators/{created}").status_code == 404


def test_delete_by_id_is_204_then_404(call: Call) -> None:
    created = call("POST", "/api/indicators", json=indicator(SHA)).json()["id"]
    assert call("DELETE", f"/api/indicators/{created}").status_code == 204
    assert call("DELETE", f"/api/indicators/{created}").status_code == 404


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"$top": "10001"}, "$top"),
        ({"$top": "ten"}, "integers"),
        ({"$skip": "-1"}, "$skip"),
        ({"$filter": "indicatorValue eq"}, ""),
        ({"$filter": "description eq 'x'"}, "not a filterable"),
        ({"$filter": "indicatorValue eq 'x'; DROP TABLE indicators"}, ""),
        ({"$filter": "title"}, "not a condition"),
    ],
)
def test_bad_queries_are_odata_errors(call: Call, params: dict, fragment: str) -> None:
    response = call("GET", "/api/indicators", params=params)
    assert error(response) == "ODataError"
    assert fragment in response.json()["error"]["message"]
