"""Submit-MDEIndicators, evaluated offline on real-shaped Sentinel payloads and sent to the emulator over
HTTPS with a managed-identity token: one import call, protected values refused, results commented."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import pytest

from mde_indicators.model import Model
from mde_indicators_build.sentinel import request_body_for
from mde_indicators_build.sentinel.context import load_config
from mde_testkit.logicapps.functions import EvaluationError
from mde_testkit.logicapps.offline import FakeSentinel

from .conftest import SAMPLES, Harness, sample

INCIDENT = "Submit-MDEIndicators-incident-trigger"
ALERT = "Submit-MDEIndicators-alert-trigger"
ENTITY = "Submit-MDEIndicators-entity-trigger"
OWNER_TAG = load_config()["solution"]["ownerTag"]
EMPTY_FILE_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def stored(harness: Harness) -> Dict[str, str]:
    return {row["indicatorValue"]: row["indicatorType"] for row in harness.indicators()}


def alert_incident() -> FakeSentinel:
    return FakeSentinel(incident=sample("alert-incident.json"))


def entities_of(payload: Dict[str, Any]) -> List[Dict[str, Any]]:
    found: List[Dict[str, Any]] = json.loads(payload["Entities"])
    return found


def test_incident_entities_of_every_kind_go_in_one_import_call(harness: Harness) -> None:
    result, sentinel = harness.run(INCIDENT, sample("incident-all-kinds.json"))
    assert result.status == "Succeeded"
    assert [c["items"] for c in harness.api_calls("ImportIndicators")] == [6]
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
    assert "6 accepted, 0 failed, 1 protected</b> of 7 indicators" in message
    assert (
        "<td>10.20.30.40</td><td>protected: 10.20.30.40 is a protected value "
        "(private address range 10.0.0.0/8); it is never blocked.</td>" in message
    )
    assert "3 other entities ignored" in message  # host, account, SHA256AC hash
    # attacker-controlled values are HTML-escaped in the comment
    assert "redirect=&lt;x&gt;&amp;client=1" in message and "<x>" not in message


def test_a_defender_alerts_nested_hashes_are_imported_in_one_call(harness: Harness) -> None:
    """The Done-when: a real Defender alert's Entities (hashes nested in two processes' image files)."""
    payload = sample("alert-defender-nested.json")
    top_level_types = {e.get("Type") for e in entities_of(payload)}
    assert "filehash" not in top_level_types  # the hashes are only nested or referenced
    result, sentinel = harness.run(ALERT, payload, alert_incident())
    assert result.status == "Succeeded"
    (call,) = harness.api_calls("ImportIndicators")
    assert call["items"] == 6
    assert stored(harness) == {
        "bad11d81681597abf45efab4d7a5f79bb8458e24": "FileSha1",
        "11d03702649bdb100e24f1a0e28aca35": "FileMd5",
        "7eadf3691c8ff3d33282af40a358dd45088d0e39076c9352c189b4c6d1d05217": "FileSha256",
        "e46f062e44142e80aeccda1327cc96fa2705b1d4": "FileSha1",  # upper case in the alert
        "b7932ff004cbfd13ce537bb4e7eb6c17": "FileMd5",
        "d194312470c926ba83dd7498b678a40e5fd0eb310a0fd9956a195ae7aa41b0b9": "FileSha256",
    }
    message = sentinel.comments[0]["message"]
    # account, three processes (two share an image file), the parent stub, two files, the host
    assert "6 accepted, 0 failed, 0 protected</b> of 6 indicators" in message
    assert "8 other entities ignored" in message


def test_references_before_the_entity_and_entities_inside_others_are_found(
    harness: Harness,
) -> None:
    payload = sample("alert-ref-before-id.json")
    assert entities_of(payload)[0] == {"$ref": "4"}  # referenced before it is written out
    result, sentinel = harness.run(ALERT, payload, alert_incident())
    assert result.status == "Succeeded"
    assert stored(harness) == {
        "45.155.205.99": "IpAddress",  # a network connection's destination, also in the DNS entity
        "185.220.101.4": "IpAddress",  # only inside the DNS entity's IpAddresses
        "cdn-upd4te.example.net": "DomainName",
        "https://cdn-upd4te.example.net/stage2/payload.bin": "Url",
        "b45116c57be9648f223d12cc06fa05f6f954fef92e90573bf221ae411c415000": "FileSha256",
    }
    assert len(harness.api_calls("ImportIndicators")) == 1
    message = sentinel.comments[0]["message"]
    assert "<td>10.1.4.22</td><td>protected:" in message  # the connection's private source


@pytest.mark.parametrize("entities", ["", "[]", None, "null", "absent", []])
def test_an_alert_without_entities_succeeds_and_says_nothing_was_submitted(
    harness: Harness, entities: Any
) -> None:
    payload = sample("alert-entities-empty.json")
    if entities == "absent":
        payload.pop("Entities")
    else:
        payload["Entities"] = entities
    result, sentinel = harness.run(ALERT, payload, alert_incident())
    assert result.status == "Succeeded", result.actions
    assert harness.api_calls("ImportIndicators") == []
    (comment,) = sentinel.comments
    assert "nothing was submitted (0 other entities ignored)" in comment["message"]


def test_protected_values_are_never_blocked_and_the_comment_says_so(harness: Harness) -> None:
    """The Done-when: login.microsoftonline.com, 8.8.8.8, 10.0.0.5 and the empty file's SHA-256."""
    result, sentinel = harness.run(INCIDENT, sample("incident-protected.json"))
    assert result.status == "Succeeded"
    assert harness.api_calls("ImportIndicators") == [] and harness.indicators() == []
    message = sentinel.comments[0]["message"]
    assert "0 accepted, 0 failed, 4 protected</b> of 4 indicators" in message
    assert "Nothing was submitted: every indicator is a protected value" in message
    for value, label in (
        ("login.microsoftonline.com", "Microsoft Entra ID sign-in, built-in list"),
        ("8.8.8.8", "Public DNS resolver (Google), built-in list"),
        ("10.0.0.5", "private address range 10.0.0.0/8"),
        (
            EMPTY_FILE_SHA256,
            "Hash of the empty file (blocking it blocks every empty file), built-in list",
        ),
    ):
        assert (
            f"<td>{value}</td><td>protected: {value} is a protected value ({label}); "
            "it is never blocked.</td>" in message
        ), value


def test_protected_values_may_be_allowed_or_audited(harness: Harness) -> None:
    _result, sentinel = harness.run(
        INCIDENT, sample("incident-protected.json"), NetworkAction="Audit", FileAction="Allowed"
    )
    # nothing is refused; MDE itself rejects the internal address
    assert [c["items"] for c in harness.api_calls("ImportIndicators")] == [4]
    assert "3 accepted, 1 failed, 0 protected" in sentinel.comments[0]["message"]
    assert set(stored(harness)) == {"login.microsoftonline.com", "8.8.8.8", EMPTY_FILE_SHA256}


def test_the_customers_own_protected_values_are_refused_too(harness: Harness) -> None:
    result, sentinel = harness.run(
        INCIDENT,
        sample("incident-all-kinds.json"),
        ProtectedValues=["evil-updates.example.org", "185.220.101.0/24"],
    )
    assert result.status == "Succeeded"
    assert "185.220.101.4" not in stored(harness)
    assert "c2.evil-updates.example.org" not in stored(harness)
    message = sentinel.comments[0]["message"]
    assert "4 accepted, 0 failed, 3 protected" in message
    assert "185.220.101.4 is a protected value (ProtectedValues parameter)" in message


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
    assert "incident 4711" in ip["description"] and ip["description"].endswith(f" {OWNER_TAG}")


def test_application_is_not_set_unless_asked_for(harness: Harness) -> None:
    harness.run(INCIDENT, sample("incident-all-kinds.json"))
    assert {row.get("application") for row in harness.indicators()} == {None}
    harness.emulator.admin("POST", "reset")
    harness.run(INCIDENT, sample("incident-all-kinds.json"), Application="SOC blocklist")
    assert {row["application"] for row in harness.indicators()} == {"SOC blocklist"}


def test_the_owner_tag_survives_a_description_at_the_length_limit(
    harness: Harness, model: Model
) -> None:
    limit = model.fields["description"].max_length or 0
    harness.run(INCIDENT, sample("incident-all-kinds.json"), DescriptionTemplate="x" * (limit + 50))
    for row in harness.indicators():
        assert len(row["description"]) == limit and row["description"].endswith(f" {OWNER_TAG}")


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
    result, sentinel = harness.run(ALERT, sample("alert-all-kinds.json"), alert_incident())
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
        comment["incidentArmId"] == incident["id"]
        and "5 accepted, 0 failed, 0 protected" in comment["message"]
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
    result, sentinel = harness.run(ALERT, sample("alert-no-indicators.json"), alert_incident())
    assert result.status == "Succeeded" and harness.api_calls("ImportIndicators") == []
    assert "nothing was submitted" in sentinel.comments[0]["message"]


def _chain(depth: int) -> Dict[str, Any]:
    """An alert whose hash sits `depth` parent processes down."""
    innermost: Dict[str, Any] = {
        "$id": "2",
        "ImageFile": {
            "$id": "3",
            "Name": "deep.exe",
            "FileHashes": [
                {"$id": "4", "Algorithm": "SHA256", "Value": "d" * 64, "Type": "filehash"}
            ],
            "Type": "file",
        },
        "Type": "process",
    }
    for n in range(depth):
        innermost = {"$id": str(10 + n), "ParentProcess": innermost, "Type": "process"}
    payload = sample("alert-entities-empty.json")
    payload["Entities"] = json.dumps([innermost])
    return payload


def test_a_deeply_nested_graph_is_read_to_its_limit_and_beyond_it_the_run_fails(
    harness: Harness,
) -> None:
    depth = load_config()["entityGraph"]["maxDepth"]
    result, _ = harness.run(ALERT, _chain(depth - 3), alert_incident())
    assert result.status == "Succeeded" and stored(harness) == {"d" * 64: "FileSha256"}
    harness.emulator.admin("POST", "reset")
    result, sentinel = harness.run(ALERT, _chain(depth + 2), alert_incident())
    assert result.status == "Failed" and harness.indicators() == []
    assert f"nested deeper than {depth} levels" in sentinel.comments[0]["message"]


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
        entity["properties"]["hashValue"] = f"{n + 1:064x}"
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
    assert "0 accepted, 6 failed, 1 protected" in message
    assert message.count("failed: the import request failed (HTTP 500)") == 6


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
    assert result.status == "Succeeded"  # the emulator checks the audience against the host
    (sent,) = harness.http.sent
    assert sent["uri"].startswith(model.clouds[cloud].api_url + model.path_prefix)
    assert sent["authentication"] == {
        "type": "ManagedServiceIdentity",
        "audience": model.clouds[cloud].resource,
    }


def test_deployed_in_azure_government_it_calls_the_government_api(
    harness: Harness, model: Model
) -> None:
    result, _ = harness.run(
        INCIDENT, sample("incident-all-kinds.json"), environment="AzureUSGovernment"
    )
    assert result.status == "Succeeded" and len(harness.indicators()) == 6
    (sent,) = harness.http.sent
    assert sent["uri"].startswith(model.clouds["gcc-high"].api_url)
    assert sent["authentication"]["audience"] == model.clouds["gcc-high"].resource


def test_request_body_for_returns_what_the_playbook_would_send() -> None:
    body = request_body_for(SAMPLES / "incident-all-kinds.json")
    assert body is not None and len(body["Indicators"]) == 6
    assert request_body_for(SAMPLES / "incident-no-entities.json") is None
