"""Per-type value checks: a table of valid values with their normalised form and invalid ones with their reason."""

from __future__ import annotations

import pytest

from mde_indicators.model import Model
from mde_indicators.values import detect_type, normalise_value, refang

SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"

VALID = [
    # (type, input, normalised)
    ("FileSha256", SHA256, SHA256),
    ("FileSha256", SHA256.upper(), SHA256),
    ("FileSha256", f"  {SHA256}\n", SHA256),
    ("FileSha256", "0" * 63 + "1", "0" * 63 + "1"),
    ("FileSha256", "ABCDEF" + "0" * 58, "abcdef" + "0" * 58),
    ("FileSha1", SHA1, SHA1),
    ("FileSha1", SHA1.upper(), SHA1),
    (
        "FileSha1",
        "3395856ce81f2b7382dee72602f798b642f14140",
        "3395856ce81f2b7382dee72602f798b642f14140",
    ),
    ("FileSha1", "\t" + SHA1, SHA1),
    ("FileMd5", MD5, MD5),
    ("FileMd5", MD5.upper(), MD5),
    ("FileMd5", "44d88612fea8a8f36de82e1278abb02f", "44d88612fea8a8f36de82e1278abb02f"),
    ("FileMd5", "44D88612FEA8A8F36DE82E1278ABB02F", "44d88612fea8a8f36de82e1278abb02f"),
    ("CertificateThumbprint", SHA1, SHA1),
    ("CertificateThumbprint", SHA1.upper(), SHA1),
    ("CertificateThumbprint", "da 39 a3 ee 5e 6b 4b 0d 32 55 bf ef 95 60 18 90 af d8 07 09", SHA1),
    ("CertificateThumbprint", "DA:39:A3:EE:5E:6B:4B:0D:32:55:BF:EF:95:60:18:90:AF:D8:07:09", SHA1),
    ("IpAddress", "8.8.8.8", "8.8.8.8"),
    ("IpAddress", "185.220.101.45", "185.220.101.45"),
    ("IpAddress", " 1.1.1.1 ", "1.1.1.1"),
    ("IpAddress", "223.255.255.1", "223.255.255.1"),
    ("IpAddress", "52.168.117.170", "52.168.117.170"),
    ("IpAddress", "2001:4860:4860::8888", "2001:4860:4860:0:0:0:0:8888"),
    ("IpAddress", "2001:4860:4860:0:0:0:0:8888", "2001:4860:4860:0:0:0:0:8888"),
    ("IpAddress", "2001:4860:4860:0000:0000:0000:0000:8888", "2001:4860:4860:0:0:0:0:8888"),
    ("IpAddress", "2A03:B0C0:3:D0::1A51:C001", "2a03:b0c0:3:d0:0:0:1a51:c001"),
    ("IpAddress", "2606:4700:4700::1111", "2606:4700:4700:0:0:0:0:1111"),
    ("IpAddress", "185[.]220[.]101[.]45", "185.220.101.45"),
    ("DomainName", "example.com", "example.com"),
    ("DomainName", "Example.COM", "example.com"),
    ("DomainName", "example.com.", "example.com"),
    ("DomainName", "sub.domain.example.co.uk", "sub.domain.example.co.uk"),
    ("DomainName", "malware-c2.example.net", "malware-c2.example.net"),
    ("DomainName", "xn--bcher-kva.example", "xn--bcher-kva.example"),
    ("DomainName", "bücher.example", "xn--bcher-kva.example"),
    ("DomainName", "münchen.de", "xn--mnchen-3ya.de"),
    ("DomainName", "例え.jp", "xn--r8jz45g.jp"),
    ("DomainName", "evil[.]example[.]org", "evil.example.org"),
    ("DomainName", "a.b.c.d.e.example", "a.b.c.d.e.example"),
    ("DomainName", "1password-login.example", "1password-login.example"),
    ("DomainName", "_dmarc.example.com", "_dmarc.example.com"),
    ("DomainName", "x" * 63 + ".example", "x" * 63 + ".example"),
    ("DomainName", "example.xn--p1ai", "example.xn--p1ai"),
    ("Url", "http://example.com", "http://example.com"),
    ("Url", "https://example.com/path", "https://example.com/path"),
    ("Url", "HTTPS://Example.COM/Path?Q=1", "https://example.com/Path?Q=1"),
    ("Url", "https://example.com:8443/a/b", "https://example.com:8443/a/b"),
    ("Url", "http://185.220.101.45/payload.exe", "http://185.220.101.45/payload.exe"),
    ("Url", "hxxps://phish[.]example.org/login.php", "https://phish.example.org/login.php"),
    ("Url", "hxxp://bad[.]example/x", "http://bad.example/x"),
    ("Url", "https://bücher.example/kaufen", "https://xn--bcher-kva.example/kaufen"),
    ("Url", "https://example.com/a%20b", "https://example.com/a%20b"),
    ("Url", "https://[2001:4860:4860::8888]/x", "https://[2001:4860:4860::8888]/x"),
    ("Url", "https://example.com/search?q=a&b=c#frag", "https://example.com/search?q=a&b=c#frag"),
]

INVALID = [
    # (type, input, expected reason code)
    ("FileSha256", "", "value_empty"),
    ("FileSha256", "   ", "value_empty"),
    ("FileSha256", SHA256[:-1], "hash_length"),
    ("FileSha256", SHA256 + "0", "hash_length"),
    ("FileSha256", SHA1, "hash_length"),
    ("FileSha256", MD5, "hash_length"),
    ("FileSha256", SHA256[:-1] + "g", "hash_not_hex"),
    ("FileSha256", "z" * 64, "hash_not_hex"),
    ("FileSha256", "0x" + SHA256[:62], "hash_not_hex"),
    ("FileSha256", SHA256[:32] + " " + SHA256[32:63], "hash_whitespace"),
    ("FileSha256", SHA256 + "\x00", "value_control_chars"),
    ("FileSha256", "\u200b" + SHA256, "value_control_chars"),
    ("FileSha256", "-" + SHA256[:63], "hash_not_hex"),
    ("FileSha256", "=cmd|' /C calc'!A0", "hash_whitespace"),
    ("FileSha1", SHA1[:-1], "hash_length"),
    ("FileSha1", SHA256, "hash_length"),
    ("FileSha1", SHA1[:-1] + "x", "hash_not_hex"),
    ("FileSha1", "not a hash", "hash_whitespace"),
    ("FileMd5", MD5[:-1], "hash_length"),
    ("FileMd5", MD5 + "00", "hash_length"),
    ("FileMd5", MD5[:-1] + "G", "hash_not_hex"),
    ("FileMd5", "d41d8cd98f00b204e9800998ecf8427e;rm", "hash_not_hex"),
    ("CertificateThumbprint", SHA256, "hash_length"),
    ("CertificateThumbprint", "zz" * 20, "hash_not_hex"),
    ("CertificateThumbprint", SHA1[:-2], "hash_length"),
    ("IpAddress", "10.0.0.1", "ip_private"),
    ("IpAddress", "172.16.5.4", "ip_private"),
    ("IpAddress", "192.168.1.1", "ip_private"),
    ("IpAddress", "127.0.0.1", "ip_loopback"),
    ("IpAddress", "169.254.169.254", "ip_link_local"),
    ("IpAddress", "224.0.0.251", "ip_multicast"),
    ("IpAddress", "239.255.255.250", "ip_multicast"),
    ("IpAddress", "0.0.0.0", "ip_unspecified"),
    ("IpAddress", "255.255.255.255", "ip_reserved"),
    ("IpAddress", "240.0.0.1", "ip_reserved"),
    ("IpAddress", "100.64.0.1", "ip_not_public"),
    ("IpAddress", "192.0.2.10", "ip_documentation"),
    ("IpAddress", "198.51.100.7", "ip_documentation"),
    ("IpAddress", "203.0.113.9", "ip_documentation"),
    ("IpAddress", "198.18.0.1", "ip_not_public"),
    ("IpAddress", "1.2.3.0/24", "ip_cidr"),
    ("IpAddress", "8.8.8.8/32", "ip_cidr"),
    ("IpAddress", "2001:db8::/32", "ip_cidr"),
    ("IpAddress", "1.2.3.4-1.2.3.9", "ip_range"),
    ("IpAddress", "1.2.3.*", "ip_wildcard"),
    ("IpAddress", "fe80::1%eth0", "ip_zone"),
    ("IpAddress", "256.1.1.1", "ip_invalid"),
    ("IpAddress", "1.2.3", "ip_invalid"),
    ("IpAddress", "01.02.03.04", "ip_invalid"),
    ("IpAddress", "8.8.8.8.8", "ip_invalid"),
    ("IpAddress", "example.com", "ip_invalid"),
    ("IpAddress", "::1", "ip_loopback"),
    ("IpAddress", "::", "ip_unspecified"),
    ("IpAddress", "fe80::1", "ip_link_local"),
    ("IpAddress", "fc00::1", "ip_private"),
    ("IpAddress", "fd12:3456:789a::1", "ip_private"),
    ("IpAddress", "ff02::1", "ip_multicast"),
    ("IpAddress", "2001:db8::1", "ip_documentation"),
    ("IpAddress", "::ffff:8.8.8.8", "ip_v4_mapped"),
    ("IpAddress", "2001:4860:4860::8888::1", "ip_invalid"),
    ("IpAddress", "8.8.8.8 ; drop", "ip_invalid"),
    ("IpAddress", "8.8.8.8\n8.8.4.4", "value_control_chars"),
    ("DomainName", "*.example.com", "domain_wildcard"),
    ("DomainName", "ex*ample.com", "domain_wildcard"),
    ("DomainName", "http://example.com", "domain_is_url"),
    ("DomainName", "example.com/path", "domain_is_url"),
    ("DomainName", "8.8.8.8", "domain_is_ip"),
    ("DomainName", "localhost", "domain_single_label"),
    ("DomainName", "example..com", "domain_empty_label"),
    ("DomainName", "-example.com", "domain_invalid"),
    ("DomainName", "example-.com", "domain_invalid"),
    ("DomainName", "exa mple.com", "domain_whitespace"),
    ("DomainName", "user@example.com", "domain_invalid"),
    ("DomainName", "example.com:443", "domain_invalid"),
    ("DomainName", "x" * 64 + ".example", "domain_label_too_long"),
    ("DomainName", ".".join(["abcdefghi"] * 26) + ".com", "domain_too_long"),
    ("DomainName", "example.123", "domain_invalid_tld"),
    ("DomainName", "example.c", "domain_invalid_tld"),
    ("DomainName", "exam$ple.com", "domain_invalid"),
    ("DomainName", "pаypal.com", "domain_homograph"),
    ("DomainName", "аррӏе.com", "domain_homograph"),
    ("DomainName", "micrоsoft.com", "domain_homograph"),
    ("DomainName", "gοogle.com", "domain_homograph"),
    ("DomainName", "xn--.com", "domain_idna"),
    ("DomainName", "exa\u202emple.com", "value_control_chars"),
    ("DomainName", "", "value_empty"),
    ("Url", "example.com/path", "url_scheme"),
    ("Url", "ftp://example.com/file", "url_scheme"),
    ("Url", "javascript:alert(1)", "url_scheme"),
    ("Url", "file:///etc/passwd", "url_scheme"),
    ("Url", "https://user:pass@example.com/", "url_credentials"),
    ("Url", "https://user@example.com/", "url_credentials"),
    ("Url", "https://example.com/a b", "url_whitespace"),
    ("Url", "https://example.com/a\nb", "value_control_chars"),
    ("Url", "https://example.com/\x07", "value_control_chars"),
    # the bidi isolates of "Trojan Source" (CVE-2021-42574) hide what a URL really ends with
    ("Url", "https://example.com/invoice\u2066fdp.exe", "value_control_chars"),
    ("Url", "https://example.com/invoice\u2069fdp.exe", "value_control_chars"),
    ("Url", "https://*.example.com/", "url_wildcard"),
    ("Url", "https://example.com/*", "url_wildcard"),
    ("Url", "https:///path", "url_no_host"),
    ("Url", "https://example.com:99999/", "url_invalid"),
    ("Url", "https://example.com:abc/", "url_invalid"),
    ("Url", "https://10.0.0.1/admin", "url_host_ip_private"),
    ("Url", "http://127.0.0.1:8080/", "url_host_ip_loopback"),
    ("Url", "https://localhost/", "url_host_single_label"),
    ("Url", "https://pаypal.com/login", "url_host_homograph"),
    ("Url", "https://exa$mple.com/", "url_host_invalid"),
    ("Url", "https:\\\\example.com\\x", "url_invalid"),
    ("Url", "https://example.com/" + "a" * 2100, "value_too_long"),
]


@pytest.mark.parametrize(("itype", "raw", "expected"), VALID)
def test_valid_values_are_normalised(model: Model, itype: str, raw: str, expected: str) -> None:
    value, problems = normalise_value(
        model.indicator_types[itype], raw, model.fields["indicatorValue"].max_length
    )
    assert problems == []
    assert value == expected


@pytest.mark.parametrize(("itype", "raw", "code"), INVALID)
def test_invalid_values_are_rejected_with_a_named_reason(
    model: Model, itype: str, raw: str, code: str
) -> None:
    value, problems = normalise_value(
        model.indicator_types[itype], raw, model.fields["indicatorValue"].max_length
    )
    assert value is None
    assert code in [p.code for p in problems]
    assert all(p.message and p.field == "indicatorValue" for p in problems)


def test_the_table_is_large_enough() -> None:
    assert len(VALID) + len(INVALID) > 150


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (SHA256, "FileSha256"),
        (SHA1, "FileSha1"),
        (MD5, "FileMd5"),
        ("8.8.8.8", "IpAddress"),
        ("10.0.0.0/8", "IpAddress"),
        ("1.2.3.4-1.2.3.9", "IpAddress"),
        ("2001:4860:4860::8888", "IpAddress"),
        ("https://example.com/x", "Url"),
        ("hxxp://bad[.]example/x", "Url"),
        ("example.com/path", "Url"),
        ("example.com", "DomainName"),
        ("evil[.]example[.]org", "DomainName"),
        ("not-a-value", None),
        ("", None),
    ],
)
def test_detect_type_guesses_from_the_value(model: Model, raw: str, expected: str) -> None:
    assert detect_type(model, raw) == expected


def test_detect_type_never_guesses_a_certificate(model: Model) -> None:
    assert detect_type(model, SHA1) != "CertificateThumbprint"


def test_refang_undoes_common_defanging() -> None:
    assert refang("hxxps://evil[.]example(.)com[:]443/x") == "https://evil.example.com:443/x"
