"""Indicator-level validation: every problem of an item is collected; a valid item yields its wire body."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mde_indicators.model import Model
from mde_indicators.validate import parse_bool, parse_list, validate_indicator

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def check(**raw: object):  # type: ignore[no-untyped-def]
    return validate_indicator(raw, now=NOW)


def codes(checked) -> set:  # type: ignore[no-untyped-def]
    return {p.code for p in checked.problems}


def test_valid_item_becomes_a_wire_body_with_defaults() -> None:
    c = check(
        indicatorValue=SHA256.upper(),
        indicatorType="filesha256",
        action="block",
        expirationTime="30d",
        severity="high",
    )
    assert c.ok
    assert c.body == {
        "indicatorValue": SHA256,
        "indicatorType": "FileSha256",
        "action": "Block",
        "severity": "High",
        "expirationTime": "2026-12-27T12:00:00Z",
        "title": "Indicator submitted by mde-indicators",
        "description": "Submitted through the mde-indicators integration pack.",
    }


def test_every_problem_is_reported_not_just_the_first() -> None:
    c = check(
        indicatorValue="http://u:p@bad.example/",
        action="Critical",
        severity="Urgent",
        expirationTime="2020-01-01T00:00:00Z",
        generateAlert="maybe",
    )
    assert not c.ok and c.body is None
    assert {
        "url_credentials",
        "unknown_action",
        "unknown_severity",
        "expiration_past",
        "not_boolean",
    } <= codes(c)


def test_auto_type_is_detected_from_the_value() -> None:
    c = check(indicatorValue="185.220.101.45", indicatorType="auto", action="Block")
    assert c.ok and c.body["indicatorType"] == "IpAddress"


def test_undetectable_value_needs_an_explicit_type() -> None:
    assert "type_undetected" in codes(check(indicatorValue="hello", action="Block"))


def test_missing_required_fields_are_named() -> None:
    c = check(indicatorType="Url")
    assert {"value_empty", "missing_field"} <= codes(c)
    assert any(p.field == "action" for p in c.problems)


def test_wrong_case_field_names_are_called_out() -> None:
    c = check(IndicatorValue=SHA256, indicatorType="FileSha256", action="Block")
    assert "unknown_field" in codes(c)
    assert any("did you mean indicatorValue" in p.message for p in c.problems)


@pytest.mark.parametrize(
    ("itype", "value", "action"),
    [
        ("IpAddress", "185.220.101.45", "BlockAndRemediate"),
        ("DomainName", "bad.example", "BlockAndRemediate"),
        ("Url", "https://bad.example/x", "BlockAndRemediate"),
        ("CertificateThumbprint", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "Block"),
        ("CertificateThumbprint", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "Warn"),
        ("CertificateThumbprint", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "Audit"),
    ],
)
def test_actions_not_allowed_for_the_type_are_refused(itype: str, value: str, action: str) -> None:
    assert "action_not_allowed" in codes(
        check(indicatorValue=value, indicatorType=itype, action=action)
    )


@pytest.mark.parametrize("action", ["Allowed", "BlockAndRemediate"])
def test_certificates_allow_only_allowed_and_block_and_remediate(model: Model, action: str) -> None:
    assert model.current_actions("CertificateThumbprint") == ("Allowed", "BlockAndRemediate")
    assert check(
        indicatorValue="da39a3ee5e6b4b0d3255bfef95601890afd80709",
        indicatorType="CertificateThumbprint",
        action=action,
    ).ok


@pytest.mark.parametrize("action", ["Alert", "AlertAndBlock"])
def test_retired_actions_point_to_their_replacement(action: str) -> None:
    c = check(indicatorValue=SHA256, indicatorType="FileSha256", action=action)
    assert "action_retired" in codes(c)


def test_audit_requires_generate_alert() -> None:
    assert "audit_requires_alert" in codes(
        check(indicatorValue=SHA256, action="Audit", generateAlert=False)
    )
    implicit = check(indicatorValue=SHA256, action="Audit")
    assert implicit.ok and implicit.body["generateAlert"] is True


def test_educate_url_only_for_block_or_warn_on_urls() -> None:
    ok = check(
        indicatorValue="https://bad.example/x",
        action="Warn",
        educateUrl="https://intranet.example/why",
    )
    assert ok.ok and ok.body["educateUrl"] == "https://intranet.example/why"
    assert "educate_url_not_allowed" in codes(
        check(
            indicatorValue="bad.example", action="Block", educateUrl="https://intranet.example/why"
        )
    )
    assert "educate_url_not_allowed" in codes(
        check(
            indicatorValue="https://bad.example/x",
            action="Audit",
            educateUrl="https://intranet.example/why",
        )
    )
    assert "invalid_educate_url" in codes(
        check(indicatorValue="https://bad.example/x", action="Block", educateUrl="not a url")
    )


def test_lists_accept_arrays_or_separated_strings() -> None:
    c = check(
        indicatorValue=SHA256,
        action="Block",
        rbacGroupNames="Servers, Laptops;Servers",
        mitreTechniques=["T1566", "T1059.001"],
    )
    assert c.body["rbacGroupNames"] == ["Servers", "Laptops"]
    assert c.body["mitreTechniques"] == ["T1566", "T1059.001"]
    assert "invalid_mitre_techniques" in codes(
        check(indicatorValue=SHA256, action="Block", mitreTechniques="TA0001")
    )


def test_text_fields_refuse_control_characters_and_oversize() -> None:
    assert "text_control_chars" in codes(
        check(indicatorValue=SHA256, action="Block", title="bad\x1btitle")
    )
    assert "text_too_long" in codes(check(indicatorValue=SHA256, action="Block", title="x" * 4001))
    for isolate in "\u2066\u2067\u2068\u2069":  # Trojan Source bidi isolates, in titles and text
        assert "text_control_chars" in codes(
            check(indicatorValue=SHA256, action="Block", title=f"a{isolate}b")
        )
        assert "text_control_chars" in codes(
            check(indicatorValue=SHA256, action="Block", description=f"a{isolate}b")
        )
    multiline = check(indicatorValue=SHA256, action="Block", description="line one\nline two")
    assert multiline.ok and multiline.body["description"] == "line one\nline two"


def test_category_must_be_pascal_case() -> None:
    assert check(indicatorValue=SHA256, action="Block", category="SuspiciousActivity").ok
    assert "invalid_category" in codes(
        check(indicatorValue=SHA256, action="Block", category="suspicious activity")
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("1", True),
        ("Yes", True),
        ("false", False),
        ("0", False),
        ("off", False),
        (True, True),
        ("maybe", None),
    ],
)
def test_parse_bool_reads_the_usual_spellings(text: object, expected: object) -> None:
    assert parse_bool(text) is expected


def test_parse_list_trims_and_deduplicates() -> None:
    assert parse_list(" a, b ,,a\nc") == ["a", "b", "c"]
