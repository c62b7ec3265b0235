"""One identity for de-duplication and matching: type plus value under the type's case rule."""

from __future__ import annotations

import pytest

from mde_indicators.identity import IndicatorKey, key_of
from mde_indicators.model import Model, load_model
from mde_indicators.results import Status
from mde_indicators.service import IndicatorService

MODEL = load_model()


@pytest.mark.parametrize(
    ("itype", "a", "b", "same"),
    [
        ("FileSha256", "A" * 64, "a" * 64, True),
        ("CertificateThumbprint", "AB" * 20, "ab" * 20, True),
        ("DomainName", "Evil.Example", "evil.example", True),
        ("IpAddress", "2001:DB8::1", "2001:db8::1", True),
        # RFC 3986: scheme and host ignore case, the path does not.
        ("Url", "HTTP://Evil.Example/Path", "http://evil.example/Path", True),
        ("Url", "http://evil.example/Path", "http://evil.example/path", False),
        ("Url", "http://evil.example/?Q=1", "http://evil.example/?q=1", False),
    ],
)
def test_values_are_the_same_indicator_under_the_types_case_rule(
    itype: str, a: str, b: str, same: bool
) -> None:
    assert (key_of(MODEL, itype, a) == key_of(MODEL, itype, b)) is same


def test_the_type_is_part_of_the_identity() -> None:
    value = "ab" * 20
    assert key_of(MODEL, "FileSha1", value) != key_of(MODEL, "CertificateThumbprint", value)
    assert key_of(MODEL, None, value.upper()) == IndicatorKey(None, value)


def test_every_type_of_the_schema_has_a_known_case_rule() -> None:
    model: Model = MODEL
    assert {t.case_rule for t in model.indicator_types.values()} <= {"insensitive", "schemeAndHost"}
    assert model.indicator_types["Url"].case_rule == "schemeAndHost"


def test_prepare_reports_a_case_variant_as_a_duplicate_but_not_another_url_path() -> None:
    items = [
        {"indicatorValue": "http://evil.example/Payload", "action": "Block"},
        {"indicatorValue": "HTTP://EVIL.example/Payload", "action": "Block"},
        {"indicatorValue": "http://evil.example/payload", "action": "Block"},
        {"indicatorValue": "44D88612FEA8A8F36DE82E1278ABB02F", "action": "Block"},
        {"indicatorValue": "44d88612fea8a8f36de82e1278abb02f", "action": "Block"},
    ]
    statuses = [
        p.result.status if p.result else None for p in IndicatorService(None).prepare(items)
    ]
    assert statuses == [None, Status.DUPLICATE, None, None, Status.DUPLICATE]
