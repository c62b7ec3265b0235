"""Remove-MDEIndicators against the emulator: OData lookup with escaped literals, BatchDelete, comment."""

from __future__ import annotations

import copy
from typing import Any, Dict

from odata_query.grammar import ODataLexer, ODataParser

from .conftest import Harness, sample

SUBMIT = "Submit-MDEIndicators-incident-trigger"
REMOVE = "Remove-MDEIndicators-incident-trigger"


def test_remove_deletes_what_submit_created_and_reports_the_rest(harness: Harness) -> None:
    harness.run(SUBMIT, sample("incident-all-kinds.json"))
    assert len(harness.indicators()) == 6
    result, sentinel = harness.run(REMOVE, sample("incident-all-kinds.json"))
    assert result.status == "Succeeded"
    assert harness.indicators() == []
    assert len(harness.api_calls("BatchDeleteIndicators")) == 1
    message = sentinel.comments[0]["message"]
    assert "6 removed, 1 not found, 0 failed" in message
    assert "<td>10.20.30.40 (IpAddress)</td><td>not found in MDE</td>" in message
    assert (
        "o'auth2/authorize?redirect=&lt;x&gt;&amp;client=1 (Url)</td><td>removed (Block, id"
        in message
    )


def test_the_filter_doubles_single_quotes_and_parses_as_odata(harness: Harness) -> None:
    harness.run(SUBMIT, sample("incident-all-kinds.json"))
    harness.run(REMOVE, sample("incident-all-kinds.json"))
    lookup = next(r for r in harness.http.sent if r["method"] == "GET")
    expression = lookup["queries"]["$filter"]
    assert "indicatorValue eq 'https://login-micros0ft.example.net/o''auth2/authorize" in expression
    ODataParser().parse(ODataLexer().tokenize(expression))  # raises on a broken literal


def test_only_indicators_of_the_application_are_removed_by_default(harness: Harness) -> None:
    harness.run(SUBMIT, sample("incident-all-kinds.json"), Application="Analyst portal import")
    _, sentinel = harness.run(REMOVE, sample("incident-all-kinds.json"))
    assert len(harness.indicators()) == 6 and harness.api_calls("BatchDeleteIndicators") == []
    assert "0 removed, 7 not found" in sentinel.comments[0]["message"]
    _result, sentinel = harness.run(REMOVE, sample("incident-all-kinds.json"), ApplicationFilter="")
    assert harness.indicators() == [] and "6 removed" in sentinel.comments[0]["message"]


def test_a_failed_batch_delete_is_reported_per_indicator_and_fails_the_run(
    harness: Harness,
) -> None:
    harness.run(SUBMIT, sample("incident-all-kinds.json"))
    harness.emulator.admin("POST", "faults", {"spec": "batchdelete:503,count=inf"})
    result, sentinel = harness.run(REMOVE, sample("incident-all-kinds.json"))
    assert result.status == "Failed"
    assert len(harness.indicators()) == 6
    message = sentinel.comments[0]["message"]
    assert "0 removed, 1 not found, 6 failed" in message
    assert message.count("failed: the BatchDelete request failed (HTTP 503)") == 6


def test_a_failed_lookup_is_reported_and_fails_the_run(harness: Harness) -> None:
    harness.emulator.admin("POST", "faults", {"spec": "list:500,count=inf"})
    result, sentinel = harness.run(REMOVE, sample("incident-all-kinds.json"))
    assert result.status == "Failed" and "7 failed" in sentinel.comments[0]["message"]


def test_no_indicator_entities_means_nothing_to_remove(harness: Harness) -> None:
    result, sentinel = harness.run(REMOVE, sample("incident-no-indicators.json"))
    assert result.status == "Succeeded" and harness.api_calls("ListIndicators") == []
    assert "nothing to remove" in sentinel.comments[0]["message"]


def _hash_incident(count: int) -> Dict[str, Any]:
    payload = copy.deepcopy(sample("incident-all-kinds.json"))
    first = payload["object"]["properties"]["relatedEntities"][0]
    entities = []
    for n in range(count):
        entity = copy.deepcopy(first)
        entity["properties"]["hashValue"] = f"{n:064x}"
        entities.append(entity)
    payload["object"]["properties"]["relatedEntities"] = entities
    return payload


def test_lookups_are_chunked_and_each_chunk_is_deleted(harness: Harness, playbooks: Any) -> None:
    from mde_indicators_build.sentinel.context import load_config

    chunk = next(p for p in load_config()["playbooks"] if p["name"] == REMOVE)["filterChunkSize"]
    payload = _hash_incident(chunk + 5)
    harness.run(SUBMIT, payload)
    result, sentinel = harness.run(REMOVE, payload)
    assert result.status == "Succeeded" and harness.indicators() == []
    assert [c["items"] for c in harness.api_calls("ListIndicators")] == [chunk, 5]
    assert [c["items"] for c in harness.api_calls("BatchDeleteIndicators")] == [chunk, 5]
    assert f"{chunk + 5} removed, 0 not found" in sentinel.comments[0]["message"]
