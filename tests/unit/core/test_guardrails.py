"""Protected values are never blocked: built-in sign-in/update/DNS/empty-file values plus the user's own."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from mde_indicators.errors import ConfigurationError
from mde_indicators.guardrails import Guardrails
from mde_indicators.results import Status
from mde_indicators.service import IndicatorService


@pytest.fixture(scope="module")
def builtin() -> Guardrails:
    return Guardrails.load()


@pytest.mark.parametrize(
    ("value", "itype"),
    [
        ("8.8.8.8", "IpAddress"),
        ("1.1.1.1", "IpAddress"),
        ("9.9.9.9", "IpAddress"),
        ("2001:4860:4860:0:0:0:0:8888", "IpAddress"),
        ("login.microsoftonline.com", "DomainName"),
        ("eu.login.microsoftonline.com", "DomainName"),
        ("download.windowsupdate.com", "DomainName"),
        ("https://login.microsoftonline.com/common/oauth2", "Url"),
        ("https://[2001:4860:4860::8888]/dns-query", "Url"),
        (hashlib.md5(b"").hexdigest(), "FileMd5"),  # noqa: S324 - the empty file's MD5 is the point
        (hashlib.sha1(b"").hexdigest(), "FileSha1"),  # noqa: S324
        (hashlib.sha256(b"").hexdigest().upper(), "FileSha256"),
    ],
)
def test_builtin_list_protects_sign_in_update_dns_and_empty_file(
    builtin: Guardrails, value: str, itype: str
) -> None:
    reason = builtin(value, itype)
    assert reason is not None and "built-in list" in reason


def test_blocking_a_parent_of_a_protected_domain_is_refused_with_the_child_named(
    builtin: Guardrails,
) -> None:
    reason = builtin("microsoft.com", "DomainName")
    assert reason is not None and "would also block" in reason and "microsoft.com" in reason


@pytest.mark.parametrize(
    ("value", "itype"),
    [
        ("evil.example.net", "DomainName"),
        ("login.microsoftonline.com.evil.example", "DomainName"),
        ("https://evil.example/login.microsoftonline.com", "Url"),
        ("https://microsoft.com.evil.example/", "Url"),
        ("185.220.101.4", "IpAddress"),
        ("a" * 64, "FileSha256"),
    ],
)
def test_ordinary_values_are_not_protected(builtin: Guardrails, value: str, itype: str) -> None:
    assert builtin(value, itype) is None


def test_user_files_add_values_ranges_and_labels(tmp_path: Path) -> None:
    path = tmp_path / "ours.txt"
    path.write_text(
        "## Our VPN\n203.0.113.0/24\nvpn.corp.example  # SSL VPN gateway\n", encoding="utf-8"
    )
    guard = Guardrails.load([str(path)], builtin=False)
    assert "Our VPN" in (guard("203.0.113.77", "IpAddress") or "")
    reason = guard("portal.vpn.corp.example", "DomainName") or ""
    assert "SSL VPN gateway" in reason and str(path) in reason
    assert guard("8.8.8.8", "IpAddress") is None  # the built-in list is off


def test_a_bad_line_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("good.example\nhttp:///\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"bad.txt line 2"):
        Guardrails.load([str(path)], builtin=False)


@pytest.mark.parametrize(
    ("action", "protected"),
    [
        # What each current action does on a match (mde-indicators-api.md §4, indicators-overview.md);
        # the retired Alert and AlertAndBlock are refused before any guard.
        ("Block", True),
        ("Warn", True),  # blocks until the user bypasses it
        ("BlockAndRemediate", True),
        ("Allowed", False),
        ("Audit", False),  # alerts only
    ],
)
def test_only_blocking_actions_are_stopped_for_a_protected_value(
    builtin: Guardrails, action: str, protected: bool
) -> None:
    empty_file = hashlib.sha256(b"").hexdigest()
    item = {"indicatorValue": empty_file, "action": action, "generateAlert": True}
    (prepared,) = IndicatorService(None).prepare([item], guard=builtin)
    status = prepared.result.status if prepared.result else None
    assert (status is Status.PROTECTED) is protected, (action, prepared.result)


def test_prepare_marks_blocked_protected_items_and_leaves_allow_listing_alone(
    builtin: Guardrails,
) -> None:
    items = [
        {"indicatorValue": "8.8.8.8", "action": "Block"},
        {"indicatorValue": "1.1.1.1", "action": "Allowed"},
        {"indicatorValue": "185.220.101.4", "action": "Block"},
    ]
    prepared = IndicatorService(None).prepare(items, guard=builtin)
    assert prepared[0].result is not None and prepared[0].result.status is Status.PROTECTED
    assert prepared[0].body == {}
    assert prepared[1].result is None and prepared[2].result is None


def test_import_refuses_more_changes_than_allowed_before_sending() -> None:
    items = [{"indicatorValue": f"185.220.101.{n}", "action": "Block"} for n in range(1, 6)]
    results = IndicatorService(None).import_indicators(items, max_changes=4, dry_run=True)
    assert {r.status for r in results} == {Status.FAILED}
    assert all(r.reason_code == "max_changes" for r in results)
    within = IndicatorService(None).import_indicators(items, max_changes=5, dry_run=True)
    assert {r.status for r in within} == {Status.DRY_RUN}
