"""Remove-MDEIndicators against the emulator: one small lookup per value, only what the Submit playbooks
created or updated (OwnerTag, or version 1.0's application), BatchDelete, comment."""

from __future__ import annotations

import copy
from typing import Any, Dict, List
from urllib.parse import urlencode

import requests
from odata_query import ast
from odata_query.grammar import ODataLexer, ODataParser

from mde_indicators_build.sentinel.context import load_config

from .conftest import Harness, sample

SUBMIT = "Submit-MDEIndicators-incident-trigger"
REMOVE = "Remove-MDEIndicators-incident-trigger"
SOLUTION = load_config()["solution"]


def submit_as_another_app(harness: Harness, value: str, kind: str, **fields: Any) -> Dict[str, Any]:
    """An indicator someone else created (the portal, the CLI, an older playbook)."""
    env = harness.emulator.env()
    token = requests.post(
        f"{env['MDE_AUTHORITY_URL']}/{env['MDE_TENANT_ID']}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": env["MDE_CLIENT_ID"],
            "client_secret": env["MDE_CLIENT_SECRET"],
            "scope": "https://api.securitycenter.microsoft.com/.default",
        },
        verify=env["MDE_CA_BUNDLE"],
        timeout=10,
    ).json()["access_token"]
    body = {
        "indicatorValue": value,
        "indicatorType": kind,
        "action": "Block",
        "title": "added by hand",
        "description": "blocked during triage",
        **fields,
    }
    response = requests.post(
        f"{env['MDE_API_URL']}/api/indicators",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        verify=env["MDE_CA_BUNDLE"],
        timeout=10,
    )
    response.raise_for_status()
    created: Dict[str, Any] = response.json()
    return created


def test_remove_deletes_what_submit_created_and_reports_the_rest(harness: Harness) -> None:
    harness.run(SUBMIT, sample("incident-all-kinds.json"))
    assert len(harness.indicators()) == 6
    result, sentinel = harness.run(REMOVE, sample("incident-all-kinds.json"))
    assert result.status == "Succeeded"
    assert harness.indicators() == []
    assert len(harness.api_calls("BatchDeleteIndicators")) == 1
    message = sentinel.comments[0]["message"]
    assert "6 removed, 1 not found, 0 left in place, 0 failed</b> for 7 indicator values" in message
    assert "<td>10.20.30.40 (IpAddress)</td><td>not found in MDE</td>" in message
    assert (
        "o'auth2/authorize?redirect=&lt;x&gt;&amp;client=1 (Url)</td><td>removed (Block, id"
        in message
    )


def test_each_lookup_is_one_value_and_type_with_quotes_doubled(harness: Harness) -> None:
    harness.run(SUBMIT, sample("incident-all-kinds.json"))
    harness.run(REMOVE, sample("incident-all-kinds.json"))
    lookups = [r for r in harness.http.sent if r["method"] == "GET"]
    assert len(lookups) == 7 and len(harness.api_calls("ListIndicators")) == 7
    for lookup in lookups:
        expression = lookup["queries"]["$filter"]
        tree = ODataParser().parse(ODataLexer().tokenize(expression))  # raises on a broken literal
        # one value and its type, nothing more: `indicatorValue eq '…' and indicatorType eq '…'`
        assert isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And)
        assert {c.left.name for c in (tree.left, tree.right) if isinstance(c, ast.Compare)} == {
            "indicatorValue",
            "indicatorType",
        }
        url = lookup["uri"] + "?" + urlencode(lookup["queries"])
        assert len(url) < 500, url
    assert any(
        "indicatorValue eq 'https://login-micros0ft.example.net/o''auth2/authorize"
        in r["queries"]["$filter"]
        for r in lookups
    )


def test_an_indicator_that_existed_before_and_was_resubmitted_is_removed(
    harness: Harness,
) -> None:
    before = submit_as_another_app(
        harness, "185.220.101.4", "IpAddress", application="Analyst portal import"
    )
    harness.run(SUBMIT, sample("incident-all-kinds.json"))
    (row,) = [r for r in harness.indicators() if r["indicatorValue"] == "185.220.101.4"]
    assert row["id"] == before["id"] and row["application"] == "Analyst portal import"
    _result, sentinel = harness.run(REMOVE, sample("incident-all-kinds.json"))
    assert harness.indicators() == []
    assert (
        f"185.220.101.4 (IpAddress)</td><td>removed (Block, id {before['id']})"
        in (sentinel.comments[0]["message"])
    )


def test_indicators_the_playbooks_never_touched_are_left_in_place(harness: Harness) -> None:
    theirs = submit_as_another_app(
        harness, "c2.evil-updates.example.org", "DomainName", application="Analyst portal import"
    )
    result, sentinel = harness.run(REMOVE, sample("incident-all-kinds.json"))
    assert result.status == "Succeeded" and harness.api_calls("BatchDeleteIndicators") == []
    assert [r["id"] for r in harness.indicators()] == [theirs["id"]]
    message = sentinel.comments[0]["message"]
    assert "0 removed, 6 not found, 1 left in place, 0 failed" in message
    assert (
        "c2.evil-updates.example.org (DomainName)</td><td>left in place: not created or updated by "
        "the Submit playbooks (application Analyst portal import, created by" in message
    )
    # with OwnerTag empty, any indicator with the value goes
    _result, sentinel = harness.run(REMOVE, sample("incident-all-kinds.json"), OwnerTag="")
    assert harness.indicators() == [] and "1 removed" in sentinel.comments[0]["message"]


def test_indicators_of_version_1_0_are_recognised_by_their_application(harness: Harness) -> None:
    old = submit_as_another_app(
        harness, "185.220.101.4", "IpAddress", application=SOLUTION["legacyApplication"]
    )
    _result, sentinel = harness.run(REMOVE, sample("incident-all-kinds.json"))
    assert harness.indicators() == []
    assert f"removed (Block, id {old['id']})" in sentinel.comments[0]["message"]


def test_a_failed_batch_delete_is_reported_per_indicator_and_fails_the_run(
    harness: Harness,
) -> None:
    harness.run(SUBMIT, sample("incident-all-kinds.json"))
    harness.emulator.admin("POST", "faults", {"spec": "batchdelete:503,count=inf"})
    result, sentinel = harness.run(REMOVE, sample("incident-all-kinds.json"))
    assert result.status == "Failed"
    assert len(harness.indicators()) == 6
    message = sentinel.comments[0]["message"]
    assert "0 removed, 1 not found, 0 left in place, 6 failed" in message
    assert message.count("failed: the BatchDelete request failed (HTTP 503)") == 6


def test_a_failed_lookup_is_reported_and_fails_the_run(harness: Harness) -> None:
    payload = _hash_incident(2)  # each lookup is retried four times first
    harness.emulator.admin("POST", "faults", {"spec": "list:500,count=inf"})
    result, sentinel = harness.run(REMOVE, payload)
    assert result.status == "Failed" and "2 failed" in sentinel.comments[0]["message"]
    assert (
        sentinel.comments[0]["message"].count("failed: the lookup request failed (HTTP 500)") == 2
    )


def test_no_indicator_entities_means_nothing_to_remove(harness: Harness) -> None:
    result, sentinel = harness.run(REMOVE, sample("incident-no-indicators.json"))
    assert result.status == "Succeeded" and harness.api_calls("ListIndicators") == []
    assert "nothing to remove" in sentinel.comments[0]["message"]


def _hash_incident(count: int) -> Dict[str, Any]:
    payload = copy.deepcopy(sample("incident-all-kinds.json"))
    first = payload["object"]["properties"]["relatedEntities"][0]
    entities: List[Dict[str, Any]] = []
    for n in range(count):
        entity = copy.deepcopy(first)
        entity["properties"]["hashValue"] = f"{n + 1:064x}"
        entities.append(entity)
    payload["object"]["properties"]["relatedEntities"] = entities
    return payload


def test_deletes_go_in_batches_of_the_documented_size(harness: Harness, model: Any) -> None:
    batch = model.operations["BatchDeleteIndicators"].batch_size
    payload = _hash_incident(batch + 3)
    harness.run(SUBMIT, payload)
    result, sentinel = harness.run(REMOVE, payload)
    assert result.status == "Succeeded" and harness.indicators() == []
    assert len(harness.api_calls("ListIndicators")) == batch + 3
    assert [c["items"] for c in harness.api_calls("BatchDeleteIndicators")] == [batch, 3]
    assert f"{batch + 3} removed, 0 not found" in sentinel.comments[0]["message"]
