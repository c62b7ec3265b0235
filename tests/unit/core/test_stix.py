"""STIX 2.x bundles become MDE items through the schema's stixPaths; what MDE cannot express is reported."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any, Dict, List

import pytest

from mde_indicators.model import Model, load_model
from mde_indicators.ops.inputs import stix_pattern
from mde_indicators.ops.inputs.stix import read_stix
from mde_indicators.problems import REJECTED, SOURCE_TIME
from mde_indicators.results import Status
from mde_indicators.service import IndicatorService

SHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
VALUES = {"hex": None, "ip": None, "domain": "evil.example.net", "url": "http://evil.example.net/x"}


def indicator(pattern: str, **extra: Any) -> Dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-02-01T00:00:00.000Z",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
        **extra,
    }


def read(*objects: Dict[str, Any], spec: str = "") -> List[Dict[str, Any]]:
    bundle: Dict[str, Any] = {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid4()}",
        "objects": list(objects),
    }
    if spec:
        bundle["spec_version"] = spec
    return list(read_stix(io.StringIO(json.dumps(bundle)), load_model()))


def sample_value(model: Model, type_name: str) -> str:
    itype = model.indicator_types[type_name]
    if itype.format == "hex":
        return "a" * (itype.length or 0)
    if itype.format == "ip":
        return "2001:4860:4860::1" if "ipv6" in itype.stix_paths[-1] else "185.220.101.4"
    return VALUES[itype.format] or ""


def test_every_schema_stix_path_maps_to_its_indicator_type(model: Model) -> None:
    for name, itype in model.indicator_types.items():
        for path in itype.stix_paths:
            value = sample_value(model, name)
            (item,) = read(indicator(f"[{path} = '{value}']"))
            assert item["indicatorType"] == name, path
            assert item["indicatorValue"] == value


def test_indicator_fields_map_to_title_description_expiration_and_external_id() -> None:
    obj = indicator(
        f"[file:hashes.'SHA-256' = '{SHA256}']",
        name="Emotet loader",
        description="Seen in phishing",
        valid_until="2031-05-06T07:08:09.123Z",
    )
    (item,) = read(obj)
    assert item["title"] == "Emotet loader"
    assert item["description"] == "Seen in phishing"
    assert item["expirationTime"] == "2031-05-06T07:08:09Z"
    assert item["externalId"] == obj["id"]
    assert item[SOURCE_TIME] == "2024-02-01T00:00:00Z"


def test_or_of_comparisons_and_in_lists_give_one_item_per_value() -> None:
    items = read(
        indicator("[ipv4-addr:value = '185.220.101.4' OR domain-name:value = 'evil.example.net']"),
        indicator("[ipv4-addr:value IN ('185.220.101.5', '185.220.101.6')]"),
        indicator("[url:value = 'http://a.example/x'] OR [file:hashes.MD5 = '" + "b" * 32 + "']"),
    )
    assert [(i["indicatorType"], i["indicatorValue"]) for i in items] == [
        ("IpAddress", "185.220.101.4"),
        ("DomainName", "evil.example.net"),
        ("IpAddress", "185.220.101.5"),
        ("IpAddress", "185.220.101.6"),
        ("Url", "http://a.example/x"),
        ("FileMd5", "b" * 32),
    ]


@pytest.mark.parametrize(
    ("pattern", "code", "words"),
    [
        (
            "[file:name = 'x.exe' AND file:hashes.MD5 = '" + "c" * 32 + "']",
            "stix_unsupported",
            "AND",
        ),
        ("[url:value MATCHES '^http://evil']", "stix_unsupported", "MATCHES"),
        ("[ipv4-addr:value != '185.220.101.4']", "stix_unsupported", "NOT ="),
        ("[process:name = 'evil.exe']", "stix_unsupported_path", "process:name"),
        (
            "[x509-certificate:hashes.'SHA-256' = '" + SHA256 + "']",
            "stix_unsupported_path",
            "SHA-256",
        ),
        (
            "[ipv4-addr:value = '185.220.101.4'] AND [domain-name:value = 'a.example']",
            "stix_unsupported",
            "AND",
        ),
        ("[ipv4-addr:value = '185.220.101.4'] WITHIN 60 SECONDS", "stix_unsupported", "WITHIN"),
        ("[ipv4-addr:value = ", "stix_invalid", "Not a valid STIX indicator"),
    ],
)
def test_patterns_mde_cannot_express_are_rejected_with_a_reason(
    pattern: str, code: str, words: str
) -> None:
    (item,) = read(indicator(pattern, name="the name"))
    assert item[REJECTED]["code"] == code
    assert words in item[REJECTED]["message"]
    assert "the name" in item[REJECTED]["message"]
    assert item["indicatorValue"]  # the offending text is what the result row shows


def test_a_partly_supported_or_keeps_the_supported_values_and_reports_the_rest() -> None:
    items = read(indicator("[domain-name:value = 'evil.example.net' OR file:name = 'x.exe']"))
    assert items[0]["indicatorValue"] == "evil.example.net" and REJECTED not in items[0]
    assert items[1][REJECTED]["code"] == "stix_unsupported_path"


def test_other_pattern_languages_and_revoked_indicators_are_reported_not_dropped() -> None:
    yara = indicator("rule x { condition: true }", pattern_type="yara")
    revoked = indicator("[domain-name:value = 'old.example.net']", revoked=True)
    first, second = read(yara, revoked)
    assert first[REJECTED]["code"] == "stix_pattern_type"
    assert second[REJECTED] == {
        "code": "stix_revoked",
        "message": second[REJECTED]["message"],
        "status": "skipped",
    }


def test_indicators_expired_at_the_source_are_skipped_not_invalid() -> None:
    (item,) = read(
        indicator("[domain-name:value = 'old.example.net']", valid_until="2024-01-02T00:00:00Z")
    )
    assert item[REJECTED]["code"] == "stix_expired" and item[REJECTED]["status"] == "skipped"
    assert "2024-01-02T00:00:00Z" in item[REJECTED]["message"]


def test_objects_other_than_indicators_are_ignored_and_stix_2_0_bundles_read() -> None:
    identity = {
        "type": "identity",
        "id": f"identity--{uuid.uuid4()}",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "name": "ACME",
        "identity_class": "organization",
    }
    old = indicator("[domain-name:value = 'legacy.example.net']", labels=["malicious-activity"])
    for key in ("spec_version", "pattern_type"):
        old.pop(key)
    (item,) = read(identity, old, spec="2.0")
    assert item["indicatorValue"] == "legacy.example.net"


def test_rejected_items_become_invalid_or_skipped_results_with_their_reason() -> None:
    items = read(
        indicator("[url:value MATCHES 'x']"),
        indicator("[domain-name:value = 'old.example.net']", revoked=True),
        indicator("[domain-name:value = 'evil.example.net']"),
    )
    prepared = IndicatorService(None).prepare(items, defaults={"action": "Block"})
    statuses = [p.result.status if p.result else None for p in prepared]
    assert statuses == [Status.INVALID, Status.SKIPPED, None]
    assert prepared[0].result is not None and "MATCHES" in (prepared[0].result.reason or "")
    assert prepared[2].body["indicatorValue"] == "evil.example.net"


def test_each_pattern_is_parsed_once_and_revoked_or_expired_ones_not_at_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import mde_indicators.ops.inputs.stix as stix

    parsed: List[str] = []

    def counting(text: str) -> Any:
        parsed.append(text)
        return stix_pattern.parse(text)

    monkeypatch.setattr(stix, "parse", counting)
    objects = [indicator(f"[ipv4-addr:value = '185.220.101.{n}']") for n in range(5)]
    objects.append(indicator("[domain-name:value = 'old.example.net']", revoked=True))
    objects.append(
        indicator("[domain-name:value = 'gone.example.net']", valid_until="2024-01-02T00:00:00Z")
    )
    assert len(read(*objects)) == 7
    assert parsed == [o["pattern"] for o in objects[:5]]


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("[ipv4-addr:value NOT IN ('185.220.101.4')]", "NOT IN"),
        ("[domain-name:value NOT = 'evil.example.net']", "NOT ="),
        ("[domain-name:value IN ()]", "IN list is empty"),
        ("[ipv4-addr:value = 5]", "a number"),
        ("[domain-name:value IN ('evil.example.net', true)]", "true or false"),
        ("[file:hashes.MD5 = h'" + "ab" * 16 + "']", "hex value"),
        ("[EXISTS domain-name:value]", "EXISTS"),
    ],
)
def test_negations_empty_lists_and_non_string_values_are_rejected_not_imported(
    pattern: str, words: str
) -> None:
    (item,) = read(indicator(pattern))
    assert item[REJECTED]["code"] == "stix_unsupported"
    assert words in item[REJECTED]["message"]


def test_string_escapes_are_read_as_the_specification_defines() -> None:
    items = read(
        indicator(
            r"[url:value = 'http://evil.example.net/it\'s' OR url:value = 'http://evil.example.net/a\\b']"
        )
    )
    assert [i["indicatorValue"] for i in items] == [
        "http://evil.example.net/it's",
        "http://evil.example.net/a\\b",
    ]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"spec_version": "2.2"}, "spec_version '2.2'"),
        ({"id": "indicator--00000000-0000-0000-0000-000000000000"}, "RFC 4122 UUID"),
        ({"id": "malware--" + str(uuid.uuid4())}, "RFC 4122 UUID"),
        ({"revoked": "yes"}, "revoked must be true or false"),
        ({"valid_until": "2023-12-31T00:00:00Z"}, "valid_until must be later than valid_from"),
        ({"created": "2024-01-01"}, "created '2024-01-01' is not a STIX timestamp"),
        ({"modified": "2024-01-01T00:00:00+01:00"}, "is not a STIX timestamp"),
        ({"valid_from": "2024-02-30T00:00:00Z"}, "valid_from '2024-02-30T00:00:00Z' is not a date"),
        ({"pattern_type": None}, "pattern_type is required in STIX 2.1"),
        ({"pattern": None}, "it has no pattern"),
        ({"pattern": ""}, "it has no pattern"),
        ({"pattern": "[ipv4-addr:value = '185.220.101.4'"}, "its pattern does not parse: expected"),
    ],
)
def test_indicators_breaking_stix_rules_are_invalid_with_the_rule_named(
    change: Dict[str, Any], words: str
) -> None:
    obj = {
        k: v
        for k, v in {**indicator("[domain-name:value = 'evil.example.net']"), **change}.items()
        if v is not None
    }
    (item,) = read(obj)
    assert item[REJECTED]["code"] == "stix_invalid"
    assert item[REJECTED]["message"].startswith("Not a valid STIX indicator (")
    assert words in item[REJECTED]["message"]


def test_timestamps_take_any_precision_and_a_missing_time_is_not_invented() -> None:
    precise = indicator(
        "[domain-name:value = 'evil.example.net']", modified="2024-02-01T10:20:30.123456789Z"
    )
    (item,) = read(precise)
    assert item[SOURCE_TIME] == "2024-02-01T10:20:30Z"
    bare = {k: v for k, v in precise.items() if k not in ("created", "modified")}
    (item,) = read(bare)
    assert SOURCE_TIME not in item and item["indicatorValue"] == "evil.example.net"
