"""Every Indicators API operation through the client over HTTPS: paging, get, submit, import, deletes."""

from __future__ import annotations

from typing import Dict

import pytest

from mde_emulator import EmulatorServer
from mde_indicators import odata
from mde_indicators.client import IndicatorsClient
from mde_indicators.errors import ApiError, NotFound

BASE = {"indicatorType": "FileSha256", "action": "Block", "title": "t", "description": "d"}


def sha(n: int) -> str:
    return f"{n:064x}"


def seed(client: IndicatorsClient, count: int) -> None:
    for start in range(0, count, 500):
        client.import_batch(
            [
                dict(BASE, indicatorValue=sha(n))
                for n in range(start + 1, min(count, start + 500) + 1)
            ]
        )


def test_listing_follows_next_links_lazily(
    emulator: EmulatorServer, client: IndicatorsClient
) -> None:
    seed(client, 25)
    emulator.admin("DELETE", "requests")
    rows = client.iter_indicators(page_size=10)
    first = next(rows)
    assert first["indicatorValue"] == sha(1)
    assert len([e for e in emulator.requests_log() if e["op"] == "ListIndicators"]) == 1
    assert [r["indicatorValue"] for r in rows] == [sha(n) for n in range(2, 26)]
    assert len([e for e in emulator.requests_log() if e["op"] == "ListIndicators"]) == 3


def test_max_items_stops_listing(client: IndicatorsClient) -> None:
    seed(client, 12)
    assert len(list(client.iter_indicators(page_size=5, max_items=7))) == 7


def test_filters_are_escaped_end_to_end(client: IndicatorsClient) -> None:
    client.import_batch(
        [dict(BASE, indicatorType="DomainName", indicatorValue="bad.example", title="o'brien")]
    )
    assert [r["title"] for r in client.iter_indicators(odata.eq("title", "o'brien"))] == ["o'brien"]
    assert list(client.iter_indicators(odata.eq("title", "x' or title ne 'y"))) == []


def test_get_returns_the_entity_and_404_is_not_found(client: IndicatorsClient) -> None:
    (result,) = client.import_batch([dict(BASE, indicatorValue=sha(1))])
    assert client.get(result["id"])["indicatorValue"] == sha(1)
    with pytest.raises(NotFound) as caught:
        client.get("99999")
    assert caught.value.code == "ResourceNotFound" and caught.value.request_id


def test_submit_is_an_upsert_keeping_id_and_creation_time(client: IndicatorsClient) -> None:
    created = client.submit(dict(BASE, indicatorValue=sha(1), severity="Low"))
    updated = client.submit(dict(BASE, indicatorValue=sha(1), severity="High"))
    assert updated["id"] == created["id"]
    assert updated["creationTimeDateTimeUtc"] == created["creationTimeDateTimeUtc"]
    assert created["lastUpdatedBy"] is None and updated["lastUpdatedBy"]
    assert updated["severity"] == "High"


def test_import_batch_refuses_more_than_the_batch_size(client: IndicatorsClient) -> None:
    with pytest.raises(ValueError, match="1 to 500"):
        client.import_batch([dict(BASE, indicatorValue=sha(n)) for n in range(501)])


def test_delete_and_batch_delete(client: IndicatorsClient) -> None:
    seed(client, 3)
    ids = [r["id"] for r in client.iter_indicators()]
    client.delete(ids[0])
    client.batch_delete(ids[1:])
    assert list(client.iter_indicators()) == []
    with pytest.raises(NotFound):
        client.batch_delete(ids[1:])


def test_next_link_to_another_host_is_refused(
    emulator_env: Dict[str, str], client: IndicatorsClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        client,
        "list_page",
        lambda *a, **k: {
            "value": [{"id": "1"}],
            "@odata.nextLink": "https://evil.example/api/indicators?$skip=1",
        },
    )
    rows = client.iter_indicators()
    next(rows)
    with pytest.raises(ApiError, match="another host"):
        next(rows)


def test_versioned_paths_are_served(emulator: EmulatorServer, client: IndicatorsClient) -> None:
    seed(client, 1)
    response = client.transport.request(
        "ListIndicators", url=f"{emulator.base_url}/api/v1.0/indicators"
    )
    assert response.json()["@odata.context"].endswith("/api/v1.0/$metadata#Indicators")
