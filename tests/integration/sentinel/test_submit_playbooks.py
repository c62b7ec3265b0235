"""Submit-MDEIndicators, evaluated offline on sample Sentinel payloads and sent to the emulator over HTTPS
with a managed-identity token: one import call, per-item results in the incident comment."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import pytest

from mde_indicators.model import Model
from mde_indicators_build.sentinel import request_body_for
from mde_testkit.logicapps.functions import EvaluationError
from mde_testkit.logicapps.offline import FakeSentinel

from .conftest import SAMPLES, Harness, sample

INCIDENT = "Submit-MDEIndicators-incident-trigger"
ALERT = "Submit-MDEIndicators-alert-trigger"
ENTITY = "Submit-MDEIndicators-entity-trigger"


def stored(harness: Harness) -> Dict[str, str]:
    return {row["indicatorValue"]: row["indicatorType"] for row in harness.indicators()}


def test_incident_entities_of_every_kind_go_in_one_import_call(
    harness: Harness, model: Model
) -> None:
    result, sentinel = harness.run(INCIDENT, sample("incident-all-kinds.json"))
    assert result.status == "Succeeded"
    assert len(harness.api_calls("ImportIndicators")) == 1
    assert not harness.api_calls("SubmitIndicator")
    assert stored(harness) == {
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08": "FileSha256",
        "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3": "FileSha1",
        "44d88612fea8a8f36de82e1278abb02f": "FileMd5",
        "185.220.101.4": "IpAddress",
        "https://login-micros0ft.example.net/o'auth2/authorize?redirect=<x>&client=1": "Url",
        "c2.evil-updates.example.org": "DomainName",
    }
    (comment,) = sentinel.comments
    assert comment["incidentArmId"] == sample("incident-all-kinds.json")["object"]["id"]
    message = comment["message"]
    assert "6 accepted, 1 failed</b> of 7 submitted" in message
    assert "<td>10.20.30.40</td><td>failed: IP address 10.20.30.40 is invalid.</td>" in message
    assert "3 other entities ignored" in message  # host, account, SHA256AC hash
    # attacker-controlled values are HTML-escaped in the comment
    assert "redirect=&lt;x&gt;&amp;client=1" in message and "<x>" not in message


def test_each_indicator_carries_the_parameters_and_the_incident(harness: Harness) -> None:
    harness.run(
        INCIDENT,
        sample("incident-all-kinds.json"),
        FileAction="BlockAndRemediate",
        NetworkAction="Audit",
        Severity="Medium",
        GenerateAlert=False,
        RbacGroupNames=["Tier0 servers"],
        TitleTemplate="INC{incidentNumber} {indicatorType}",
    )
    rows = {row["indicatorValue"]: row for row in harness.indicators()}
    md5 = rows["44d88612fea8a8f36de82e1278abb02f"]
    assert md5["action"] == "BlockAndRemediate" and md5["generateAlert"] is False
    ip = rows["185.220.101.4"]
    assert ip["action"] == "Audit" and ip["generateAlert"] is True  # Audit requires an alert
    assert ip["severity"] == "Medium" and ip["rbacGroupNames"] == ["Tier0 servers"]
    assert ip["title"] == "INC4711 IpAddress"
    assert "incident 4711" in ip["description"] and ip["application"]


def test_expiration_is_days_from_the_run_and_never_in_the_past(harness: Harness) -> None:
    before = datetime.now(timezone.utc)
    harness.run(INCIDENT, sample("incident-all-kinds.json"), ExpirationDays=1)
    for row in harness.indicators():
        expires = datetime.fromisoformat(row["expirationTime"].replace("Z", "+00:00"))
        assert before + timedelta(hours=23) < expires <= before + timedelta(days=1, minutes=5)
    with pytest.raises(EvaluationError, match="minValue"):
        harness.run(INCIDENT, sample("incident-all-kinds.json"), ExpirationDays=0)


def test_a_workflow_edited_to_zero_days_still_expires_in_the_future(playbooks: Any) -> None:
    from mde_testkit.logicapps.offline import RecordingHttp, workflow_of
    from mde_testkit.logicapps.runtime import Runner

    definition, values, _name = workflow_of(playbooks[INCIDENT])
    values["ExpirationDays"] = 0  # as if changed in the designer after deployment
    http = RecordingHttp()
    Runner(definition, values, http, FakeSentinel()).run(sample("incident-all-kinds.json"))
    expiry = http.sent[0]["body"]["Indicators"][0]["expirationTime"]
    assert datetime.fromisoformat(expiry.replace("Z", "+00:00")) > datetime.now(timezone.utc)


@pytest.mark.parametrize("name", ["incident-no-entities.json", "incident-no-indicators.json"])
def test_no_indicator_entities_comments_nothing_to_do_and_succeeds(
    harness: Harness, name: str
) -> None:
    result, sentinel = harness.run(INCIDENT, sample(name))
    assert result.status == "Succeeded"
    assert harness.api_calls("ImportIndicators") == []
    (comment,) = sentinel.comments
    assert "nothing was submitted" in comment["message"]


def test_alert_entities_in_the_security_alert_form_are_collected(harness: Harness) -> None:
    incident = sample("alert-incident.json")
    result, sentinel = harness.run(
        ALERT, sample("alert-all-kinds.json"), FakeSentinel(incident=incident)
    )
    assert result.status == "Succeeded"
    assert stored(harness) == {
        "185.220.101.4": "IpAddress",
        "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3": "FileSha1",
        "http://malware-drop.example.com/stage2.ps1": "Url",
        "malware-drop.example.com": "DomainName",
        "44d88612fea8a8f36de82e1278abb02f": "FileMd5",
    }
    (comment,) = sentinel.comments
    assert (
        comment["incidentArmId"] == incident["id"] and "5 accepted, 0 failed" in comment["message"]
    )
    assert any(
        title.startswith("Sentinel incident 4714:")
        for title in (r["title"] for r in harness.indicators())
    )


def test_an_alert_without_an_incident_submits_and_skips_the_comment(harness: Harness) -> None:
    result, sentinel = harness.run(
        ALERT, sample("alert-all-kinds.json"), FakeSentinel(incident=None)
    )
    assert result.status == "Succeeded" and sentinel.comments == []
    assert len(harness.indicators()) == 5


def test_alert_without_indicator_entities_sends_nothing(harness: Harness) -> None:
    result, sentinel = harness.run(
        ALERT,
        sample("alert-no-indicators.json"),
        FakeSentinel(incident=sample("alert-incident.json")),
    )
    assert result.status == "Succeeded" and harness.api_calls("ImportIndicators") == []
    assert "nothing was submitted" in sentinel.comments[0]["message"]


def test_entity_trigger_submits_the_one_entity_and_comments_on_its_incident(
    harness: Harness,
) -> None:
    result, sentinel = harness.run(ENTITY, sample("entity-ip.json"), EntityType="IP")
    assert result.status == "Succeeded"
    assert stored(harness) == {"185.220.101.4": "IpAddress"}
    assert sentinel.comments[0]["incidentArmId"] == sample("entity-ip.json")["IncidentArmID"]


def test_entity_trigger_from_hunting_has_no_incident_to_comment_on(harness: Harness) -> None:
    result, sentinel = harness.run(
        ENTITY, sample("entity-filehash-hunting.json"), EntityType="FileHash"
    )
    assert result.status == "Succeeded" and sentinel.comments == []
    assert stored(harness) == {
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08": "FileSha256"
    }


def _many_hashes(count: int) -> Dict[str, Any]:
    payload = copy.deepcopy(sample("incident-all-kinds.json"))
    template = payload["object"]["properties"]["relatedEntities"][0]
    entities: List[Dict[str, Any]] = []
    for n in range(count):
        entity = copy.deepcopy(template)
        entity["properties"]["hashValue"] = f"{n:064x}"
        entities.append(entity)
    payload["object"]["properties"]["relatedEntities"] = entities
    return payload


def test_only_more_than_500_indicators_split_the_import(harness: Harness, model: Model) -> None:
    batch = model.operations["ImportIndicators"].batch_size or 0
    result, sentinel = harness.run(INCIDENT, _many_hashes(batch))
    assert result.status == "Succeeded" and [
        c["items"] for c in harness.api_calls("ImportIndicators")
    ] == [batch]
    harness.emulator.admin("POST", "reset")
    result, sentinel = harness.run(INCIDENT, _many_hashes(batch + 1))
    assert [c["items"] for c in harness.api_calls("ImportIndicators")] == [batch, 1]
    assert f"{batch + 1} accepted, 0 failed" in sentinel.comments[0]["message"]


def test_a_failed_import_request_is_commented_per_item_and_fails_the_run(harness: Harness) -> None:
    harness.emulator.admin("POST", "faults", {"spec": "import:500,count=inf"})
    result, sentinel = harness.run(INCIDENT, sample("incident-all-kinds.json"))
    assert result.status == "Failed" and result.error["code"] == "MdeIndicatorsIncomplete"
    message = sentinel.comments[0]["message"]
    assert "0 accepted, 7 failed" in message
    assert message.count("failed: the import request failed (HTTP 500)") == 7


def test_a_comment_that_cannot_be_posted_fails_the_run(harness: Harness) -> None:
    result, _ = harness.run(
        INCIDENT, sample("incident-all-kinds.json"), FakeSentinel(fail_comments=True)
    )
    assert result.status == "Failed"
    assert len(harness.indicators()) == 6  # the indicators were still submitted


@pytest.mark.parametrize("cloud", ["commercial", "gcc", "gcc-high", "dod"])
def test_the_cloud_selects_the_api_host_and_the_token_audience(
    harness: Harness, model: Model, cloud: str
) -> None:
    result, _ = harness.run(INCIDENT, sample("incident-all-kinds.json"), Cloud=cloud)
    assert result.status == "Succeeded"
    (sent,) = harness.http.sent
    assert sent["uri"].startswith(model.clouds[cloud].api_url + model.path_prefix)
    assert sent["authentication"] == {
        "type": "ManagedServiceIdentity",
        "audience": model.clouds[cloud].resource,
    }


def test_request_body_for_returns_what_the_playbook_would_send() -> None:
    body = request_body_for(SAMPLES / "incident-all-kinds.json")
    assert body is not None and len(body["Indicators"]) == 7
    assert request_body_for(SAMPLES / "incident-no-entities.json") is None
