"""Per-type checks and normalisation of indicator values (hashes, IPs, domains, URLs) and type detection.

Each check returns the normalised value or the problems found; the format of each type comes from the schema.
"""

from __future__ import annotations

import ipaddress
import re
import string
import unicodedata
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit

import idna

from .model import IndicatorType, Model
from .problems import Problem

FIELD = "indicatorValue"
Checked = Tuple[Optional[str], List[Problem]]

_HEX = frozenset(string.hexdigits)
_CONTROL = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_WHITESPACE = re.compile(r"\s")
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
_REFANG = [
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.I), "."),
    (re.compile(r"\[:\]"), ":"),
    (re.compile(r"\[/\]"), "/"),
    (re.compile(r"^hxxp(s?)://", re.I), r"http\1://"),
    (re.compile(r"^h\[tt\]p(s?)://", re.I), r"http\1://"),
]
# Cyrillic and Greek letters that render like Latin ones: a label made only of them is a whole-script
# homograph (UTS #39); mixed-script labels are caught separately.
_LATIN_LOOKALIKES = frozenset("аеорсухіјѕԁһӏԛԝвкмнтьАВЕКМНОРСТУХІЈЅαβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ")
_SCRIPT_SETS = (
    frozenset({"LATIN", "CJK", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "CJK", "BOPOMOFO"}),
    frozenset({"LATIN", "CJK", "HANGUL"}),
)


def refang(value: str) -> str:
    """Undo the usual defanging of threat-intel values: hxxp://, [.], (.), [:]."""
    for pattern, repl in _REFANG:
        value = pattern.sub(repl, value)
    return value


def _problem(code: str, message: str) -> List[Problem]:
    return [Problem(FIELD, code, message)]


def check_common(value: str, max_length: Optional[int]) -> List[Problem]:
    """Checks every type shares: empty, control characters, length."""
    if not value:
        return _problem("value_empty", "The indicator value is empty.")
    problems = []
    if _CONTROL.search(value):
        problems.append(
            Problem(
                FIELD, "value_control_chars", "The value contains control or invisible characters."
            )
        )
    if max_length and len(value) > max_length:
        problems.append(
            Problem(
                FIELD,
                "value_too_long",
                f"The value is {len(value)} characters long; at most {max_length} are accepted.",
            )
        )
    return problems


def check_hex(itype: IndicatorType, value: str) -> Checked:
    candidate = value.lower()
    if itype.family == "certificate":
        # Windows shows thumbprints as "3b 1e 4f …" or with colons; MDE wants bare hex.
        candidate = candidate.replace(" ", "").replace(":", "")
    if _WHITESPACE.search(candidate):
        return None, _problem("hash_whitespace", f"A {itype.label} cannot contain spaces.")
    problems = []
    if not set(candidate) <= _HEX:
        problems.append(
            Problem(
                FIELD, "hash_not_hex", f"A {itype.label} may contain only hex digits 0-9 and a-f."
            )
        )
    if len(candidate) != itype.length:
        problems.append(
            Problem(
                FIELD,
                "hash_length",
                f"A {itype.label} is {itype.length} hex characters; this one has {len(candidate)}.",
            )
        )
    return (None, problems) if problems else (candidate, [])


_SPECIAL_NETWORKS = [
    (ipaddress.ip_network(n), code, what)
    for n, code, what in (
        ("192.0.2.0/24", "ip_documentation", "reserved for documentation (TEST-NET-1)"),
        ("198.51.100.0/24", "ip_documentation", "reserved for documentation (TEST-NET-2)"),
        ("203.0.113.0/24", "ip_documentation", "reserved for documentation (TEST-NET-3)"),
        ("2001:db8::/32", "ip_documentation", "reserved for documentation"),
        ("198.18.0.0/15", "ip_not_public", "reserved for network benchmarking"),
        ("100.64.0.0/10", "ip_not_public", "carrier-grade NAT shared space"),
        ("192.0.0.0/29", "ip_not_public", "an IETF protocol assignment (DS-Lite)"),
        ("192.0.0.8/32", "ip_not_public", "the IPv4 dummy address"),
        ("192.0.0.170/31", "ip_not_public", "reserved for NAT64 discovery"),
    )
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _ip_reason(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> Optional[Tuple[str, str]]:
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        return (
            "ip_v4_mapped",
            f"IPv4-mapped IPv6 address; submit the IPv4 address {mapped} instead.",
        )
    embedded = getattr(ip, "sixtofour", None) or (
        ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip.version == 6 and ip in _NAT64 else None
    )
    if embedded is not None and _ip_reason(embedded):
        return "ip_embedded_not_public", f"{ip} carries the non-public IPv4 address {embedded}."
    for network, code, what in _SPECIAL_NETWORKS:
        if ip.version == network.version and ip in network:
            return code, f"{ip} is {what}; MDE accepts only public addresses."
    checks = [
        ("is_unspecified", "ip_unspecified", "the unspecified address"),
        ("is_loopback", "ip_loopback", "a loopback address"),
        ("is_link_local", "ip_link_local", "a link-local address"),
        ("is_multicast", "ip_multicast", "a multicast address"),
        ("is_reserved", "ip_reserved", "in a reserved range"),
        ("is_private", "ip_private", "a private (internal) address"),
    ]
    for attr, code, what in checks:
        if getattr(ip, attr):
            return code, f"{ip} is {what}; MDE accepts only public addresses."
    if not ip.is_global:
        return "ip_not_public", f"{ip} is not a public address (special-use range)."
    return None


def check_ip(value: str) -> Checked:
    if "/" in value:
        return None, _problem(
            "ip_cidr", "CIDR ranges are not supported by MDE; submit single addresses."
        )
    if "-" in value:
        return None, _problem(
            "ip_range", "Address ranges are not supported by MDE; submit single addresses."
        )
    if "*" in value:
        return None, _problem("ip_wildcard", "Wildcards are not supported in IP indicators.")
    if "%" in value:
        return None, _problem("ip_zone", "IPv6 zone identifiers (%…) are not allowed.")
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None, _problem("ip_invalid", f"'{value}' is not a valid IPv4 or IPv6 address.")
    reason = _ip_reason(ip)
    if reason:
        return None, _problem(*reason)
    if ip.version == 6:
        # MDE requires all 8 segments, e.g. 2001:4860:4860:0:0:0:0:8888.
        return ":".join(format(int(part, 16), "x") for part in ip.exploded.split(":")), []
    return str(ip), []


def _scripts(label: str) -> set:
    scripts = set()
    for ch in label:
        if ch.isalpha():
            scripts.add(unicodedata.name(ch, "UNKNOWN").split(" ")[0])
    return scripts


def _homograph(label: str) -> Optional[str]:
    if label.isascii():
        return None
    scripts = _scripts(label)
    if len(scripts) > 1 and not any(scripts <= allowed for allowed in _SCRIPT_SETS):
        return "mixes " + " and ".join(sorted(s.title() for s in scripts)) + " scripts"
    letters = [c for c in label if c.isalpha()]
    if letters and all(c in _LATIN_LOOKALIKES for c in letters):
        return "is written only with letters that look Latin"
    return None


def _check_labels(ascii_name: str) -> Optional[Tuple[str, str]]:
    labels = ascii_name.split(".")
    if len(ascii_name) > 253:
        return "domain_too_long", "A domain name is at most 253 characters."
    if len(labels) < 2:
        return (
            "domain_single_label",
            "A single-label name is not a domain MDE can match; add its suffix.",
        )
    if any(not label for label in labels):
        return "domain_empty_label", "The domain has an empty label (two dots in a row)."
    for label in labels:
        if len(label) > 63:
            return (
                "domain_label_too_long",
                f"The label '{label[:20]}…' is longer than 63 characters.",
            )
        if not _LABEL.match(label):
            return (
                "domain_invalid",
                f"The label '{label}' has characters not allowed in a host name.",
            )
    if not _TLD.match(labels[-1]):
        return "domain_invalid_tld", f"'{labels[-1]}' is not a valid top-level domain."
    return None


def check_domain(value: str) -> Checked:
    name = value.lower()
    if name.endswith("."):
        name = name[:-1]
    if "://" in name or "/" in name:
        return None, _problem("domain_is_url", "This is a URL, not a domain; use the Url type.")
    if "*" in name:
        return None, _problem(
            "domain_wildcard",
            "Wildcards are not supported; a domain already covers its subdomains.",
        )
    if _WHITESPACE.search(name):
        return None, _problem("domain_whitespace", "A domain name cannot contain spaces.")
    if "@" in name or ":" in name:
        return None, _problem("domain_invalid", "A domain name cannot contain '@' or a port.")
    try:
        ipaddress.ip_address(name)
        return None, _problem("domain_is_ip", "This is an IP address; use the IpAddress type.")
    except ValueError:
        pass
    return _idna_domain(name, "domain")


def _idna_domain(name: str, prefix: str) -> Checked:
    for label in name.split("."):
        why = _homograph(label)
        if why:
            try:
                puny = idna.encode(name, uts46=True).decode("ascii")
            except idna.IDNAError:
                puny = "its xn-- form"
            return None, _problem(
                f"{prefix}_homograph",
                f"The label '{label}' {why} (a possible homograph); submit {puny} if you mean it.",
            )
    try:
        ascii_name = (
            idna.encode(name, uts46=True, transitional=False).decode("ascii")
            if not name.isascii()
            else name
        )
        if "xn--" in ascii_name:
            idna.decode(ascii_name)
    except (idna.IDNAError, UnicodeError) as exc:
        return None, _problem(
            f"{prefix}_idna", f"Not a valid internationalised domain name ({exc})."
        )
    reason = _check_labels(ascii_name)
    if reason:
        return None, _problem(f"{prefix}_{reason[0].split('_', 1)[1]}", reason[1])
    return ascii_name, []


def check_url(value: str) -> Checked:
    if _WHITESPACE.search(value):
        return None, _problem(
            "url_whitespace", "A URL cannot contain spaces or line breaks; encode them as %20."
        )
    if "*" in value:
        return None, _problem("url_wildcard", "Wildcards are not supported in URL indicators.")
    if "\\" in value:
        return None, _problem("url_invalid", "A URL cannot contain backslashes.")
    if "://" not in value:
        return None, _problem(
            "url_scheme", "A URL indicator needs its scheme, e.g. http://example.com/path."
        )
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        return None, _problem("url_invalid", f"Not a valid URL ({exc}).")
    if parts.scheme.lower() not in ("http", "https"):
        return None, _problem(
            "url_scheme", f"Only http and https URLs are supported, not '{parts.scheme}'."
        )
    if "@" in parts.netloc:
        return None, _problem(
            "url_credentials", "The URL carries credentials (user:password@); remove them."
        )
    host = parts.hostname
    if not host:
        return None, _problem("url_no_host", "The URL has no host name.")
    checked_host, problems = _url_host(host)
    if problems:
        return None, problems
    netloc = checked_host if port is None else f"{checked_host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment)), []


def _url_host(host: str) -> Checked:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return _idna_domain(host.lower(), "url_host")
    reason = _ip_reason(ip)
    if reason:
        return None, _problem("url_host_" + reason[0], reason[1])
    return (f"[{ip.compressed}]" if ip.version == 6 else str(ip)), []


_CHECKS: Dict[str, Callable[[str], Checked]] = {
    "ip": check_ip,
    "domain": check_domain,
    "url": check_url,
}


def normalise_value(itype: IndicatorType, raw: str, max_length: Optional[int] = None) -> Checked:
    """Check a value against its type; return the normalised value or every problem found."""
    value = raw.strip()
    problems = check_common(value, max_length)
    if problems:
        return None, problems
    if itype.format == "hex":
        return check_hex(itype, value)
    return _CHECKS[itype.format](refang(value))


def _looks_like(itype: IndicatorType, value: str) -> bool:
    if itype.format == "hex":
        return len(value) == itype.length and set(value) <= _HEX
    if itype.format == "ip":
        head = re.split(r"[/-]", value, maxsplit=1)[0]
        try:
            ipaddress.ip_address(head)
            return True
        except ValueError:
            return False
    if itype.format == "url":
        return "://" in value or "/" in value
    return "." in value


def detect_type(model: Model, raw: str) -> Optional[str]:
    """Guess the indicator type of a value (certificate thumbprints are never guessed: they read as SHA-1)."""
    value = refang(raw.strip())
    for name in model.auto_detect_order:
        if _looks_like(model.indicator_types[name], value):
            return name
    return None
