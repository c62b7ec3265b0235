"""Service semantics: upsert, application set on create only, filters, paging, expiry, cap, persistence."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Dict, List

import pytest
import requests

from mde_emulator import EmulatorServer, Settings
from tests.integration.emulator.conftest import Call, indicator, msal_token

SHA = "a" * 64


def values(response: requests.Response) -> List[str]:
    assert response.status_code == 200, response.text
    return [r["indicatorValue"] for r in response.json()["value"]]


def test_upsert_keeps_id_creation_time_and_application(call: Call) -> None:
    first = call(
        "POST", "/api/indicators", json=indicator(SHA, application="feed-a", severity="Low")
    ).json()
    second = call(
        "POST",
        "/api/indicators",
        json=indicator(SHA.upper(), application="feed-b", severity="High"),
    ).json()
    assert second["id"] == first["id"]
    assert second["creationTimeDateTimeUtc"] == first["creationTimeDateTimeUtc"]
    assert second["lastUpdateTime"] > first["lastUpdateTime"]
    assert second["application"] == "feed-a" and second["severity"] == "High"
    assert second["lastUpdatedBy"] == first["createdBy"]


def test_a_different_action_creates_a_second_indicator(call: Call) -> None:
    block = call("POST", "/api/indicators", json=indicator(SHA)).json()
    warn = call("POST", "/api/indicators", json=indicator(SHA, action="Warn")).json()
    assert block["id"] != warn["id"]
    assert len(values(call("GET", "/api/indicators"))) == 2


def test_import_upserts_like_submit(call: Call) -> None:
    first = call("POST", "/api/indicators/import", json={"Indicators": [indicator(SHA)]}).json()[
        "value"
    ][0]
    again = call(
        "POST", "/api/indicators/import", json={"Indicators": [indicator(SHA, title="new")]}
    ).json()["value"][0]
    assert first["id"] == again["id"]
    assert call("GET", f"/api/indicators/{first['id']}").json()["title"] == "new"


@pytest.fixture()
def mixed(call: Call) -> None:
    rows = [
        indicator(SHA, title="Emotet loader", severity="High", rbacGroupNames=["Servers"]),
        indicator(
            "b" * 64, title="o'brien's file", severity="Low", action="Audit", generateAlert=True
        ),
        indicator(
            "bad.example",
            indicatorType="DomainName",
            title="C2 domain",
            severity="Medium",
            rbacGroupNames=["Laptops", "Servers"],
        ),
        indicator(
            "https://bad.example/x",
            indicatorType="Url",
            title="phish",
            action="Warn",
            application="feed-a",
        ),
    ]
    assert call("POST", "/api/indicators/import", json={"Indicators": rows}).status_code == 200


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("indicatorType eq 'DomainName'", ["bad.example"]),
        ("action eq 'AlertAndBlock'", []),
        ("severity ne 'High'", ["b" * 64, "bad.example", "https://bad.example/x"]),
        ("indicatorType eq 'FileSha256' and severity eq 'High'", [SHA]),
        ("indicatorType eq 'Url' or severity eq 'Low'", ["b" * 64, "https://bad.example/x"]),
        ("not (indicatorType eq 'FileSha256')", ["bad.example", "https://bad.example/x"]),
        ("contains(title, 'C2')", ["bad.example"]),
        ("contains(title, 'c2')", ["bad.example"]),
        ("startswith(indicatorValue, 'https://')", ["https://bad.example/x"]),
        ("endswith(indicatorValue, '.example')", ["bad.example"]),
        ("title eq 'o''brien''s file'", ["b" * 64]),
        ("indicatorValue eq 'A" + "A" * 63 + "'", [SHA]),
        ("generateAlert eq true", ["b" * 64]),
        ("application eq 'feed-a'", ["https://bad.example/x"]),
        ("indicatorType in ('Url', 'DomainName')", ["bad.example", "https://bad.example/x"]),
        ("rbacGroupNames/any(g: g eq 'Servers')", [SHA, "bad.example"]),
        (
            "creationTimeDateTimeUtc ge 2020-01-01T00:00:00Z",
            [SHA, "b" * 64, "bad.example", "https://bad.example/x"],
        ),
        ("creationTimeDateTimeUtc lt 2020-01-01T00:00:00Z", []),
    ],
)
def test_filters(call: Call, mixed: None, expression: str, expected: List[str]) -> None:
    assert values(call("GET", "/api/indicators", params={"$filter": expression})) == expected


def test_paging_with_top_skip_and_next_link(call: Call, emulator: EmulatorServer) -> None:
    rows = [indicator(f"{n:064x}") for n in range(1, 26)]
    call("POST", "/api/indicators/import", json={"Indicators": rows})
    page = call(
        "GET", "/api/indicators", params={"$top": "10", "$filter": "indicatorType eq 'FileSha256'"}
    ).json()
    assert (
        len(page["value"]) == 10
        and "$skip=10" in page["@odata.nextLink"]
        and "$filter=" in page["@odata.nextLink"]
    )
    seen = [r["indicatorValue"] for r in page["value"]]
    while "@odata.nextLink" in page:
        page = call("GET", page["@odata.nextLink"].replace(emulator.base_url, "")).json()
        seen += [r["indicatorValue"] for r in page["value"]]
    assert seen == [f"{n:064x}" for n in range(1, 26)]
    assert values(call("GET", "/api/indicators", params={"$top": "5", "$skip": "20"})) == [
        f"{n:064x}" for n in range(21, 26)
    ]


def test_expired_indicators_disappear_from_list_and_get(call: Call) -> None:
    expiry = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 2))
    created = call("POST", "/api/indicators", json=indicator(SHA, expirationTime=expiry)).json()
    assert values(call("GET", "/api/indicators")) == [SHA]
    time.sleep(3)
    assert values(call("GET", "/api/indicators")) == []
    assert call("GET", f"/api/indicators/{created['id']}").status_code == 404


def test_the_active_indicator_cap_refuses_new_ones_only() -> None:
    with EmulatorServer(Settings(limits="off", cap=3)) as emu:
        env = emu.env()
        token = msal_token(env)
        url = f"{emu.base_url}/api/indicators"
        headers = {"Authorization": f"Bearer {token}"}
        rows = [indicator(f"{n:064x}") for n in range(1, 5)]
        results = requests.post(
            url + "/import",
            json={"Indicators": rows},
            headers=headers,
            verify=emu.ca_file,
            timeout=10,
        ).json()["value"]
        assert [r["isFailed"] for r in results] == [False, False, False, True]
        assert "15000" not in results[3]["failureReason"] and "(3)" in results[3]["failureReason"]
        refused = requests.post(
            url, json=indicator("f" * 64), headers=headers, verify=emu.ca_file, timeout=10
        )
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "BadRequest"
        updated = requests.post(
            url,
            json=indicator(f"{1:064x}", title="update"),
            headers=headers,
            verify=emu.ca_file,
            timeout=10,
        )
        assert updated.status_code == 200


def test_documented_cap_is_15000_with_seeded_data(
    emulator: EmulatorServer, call: Call, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "seed", {"clientId": emulator_env["MDE_CLIENT_ID"], "count": 15000})
    result = call("POST", "/api/indicators/import", json={"Indicators": [indicator(SHA)]}).json()[
        "value"
    ][0]
    assert result["isFailed"] and "15000" in result["failureReason"]


def test_data_in_a_file_survives_a_restart(tmp_path: Path) -> None:
    data = str(tmp_path / "mde.db")
    with EmulatorServer(Settings(limits="off", data=data)) as first:
        env = first.env()
        token = msal_token(env)
        created = requests.post(
            f"{first.base_url}/api/indicators",
            json=indicator(SHA),
            headers={"Authorization": f"Bearer {token}"},
            verify=first.ca_file,
            timeout=10,
        ).json()
    with EmulatorServer(Settings(limits="off", data=data)) as second:
        env2 = second.env()
        assert (env2["MDE_TENANT_ID"], env2["MDE_CLIENT_ID"], env2["MDE_CLIENT_SECRET"]) == (
            env["MDE_TENANT_ID"],
            env["MDE_CLIENT_ID"],
            env["MDE_CLIENT_SECRET"],
        )
        token = msal_token(env2)
        got = requests.get(
            f"{second.base_url}/api/indicators/{created['id']}",
            headers={"Authorization": f"Bearer {token}"},
            verify=second.ca_file,
            timeout=10,
        )
        assert got.status_code == 200 and got.json()["indicatorValue"] == SHA
