"""The Submit playbooks refuse to block exactly what the CLI and the Splunk app refuse (the same
protected-values list, read by mde_indicators.guardrails), plus private, loopback and link-local
addresses, and the values of their ProtectedValues parameter.

The rendered template is run by the offline runtime on an incident holding a corpus of values; what it
decides is compared, value by value, with Guardrails' decision and message.
"""

from __future__ import annotations

import copy
import ipaddress
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest

from mde_indicators.guardrails import Guardrails
from mde_indicators_build.sentinel import playbook
from mde_indicators_build.sentinel.context import load_config
from mde_indicators_build.sentinel.protection import ipv6_spellings, refused_networks_hold
from mde_testkit.logicapps.offline import RecordingHttp, run_playbook

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sentinel" / "incident-all-kinds.json"
KINDS = {
    "FileSha1": ("FileHash", {"algorithm": "SHA1"}, "hashValue"),
    "FileSha256": ("FileHash", {"algorithm": "SHA256"}, "hashValue"),
    "FileMd5": ("FileHash", {"algorithm": "MD5"}, "hashValue"),
    "IpAddress": ("Ip", {}, "address"),
    "DomainName": ("DnsResolution", {}, "domainName"),
    "Url": ("Url", {}, "url"),
}
HASH_TYPE = {32: "FileMd5", 40: "FileSha1", 64: "FileSha256"}


def incident(values: Sequence[Tuple[str, str]]) -> Dict[str, Any]:
    payload = json.loads(SAMPLE.read_text("utf-8"))
    entities = []
    for n, (kind, value) in enumerate(values):
        entity_kind, props, key = KINDS[kind]
        entities.append(
            {
                "id": f"e{n}",
                "kind": entity_kind,
                "properties": {**props, key: value, "friendlyName": value},
            }
        )
    payload["object"]["properties"]["relatedEntities"] = entities
    return payload


def decisions(
    values: Sequence[Tuple[str, str]], **parameters: Any
) -> Tuple[Dict[str, str], List[str]]:
    """{value: reason} for the values the playbook refused, and the values it would send."""
    http = RecordingHttp()
    result, _ = run_playbook(
        copy.deepcopy(playbook("Submit-MDEIndicators-incident-trigger").template),
        incident(values),
        http,
        parameters=parameters or None,
    )
    reasons = result.actions["Select_Reasons"].outputs["body"]
    refused = {r["indicatorValue"]: r["reason"] for r in reasons if r["reason"]}
    sent = [i["indicatorValue"] for request in http.sent for i in request["body"]["Indicators"]]
    return refused, sent


@lru_cache(maxsize=1)
def guard() -> Guardrails:
    return Guardrails.load()


def expected_reason(
    kind: str, value: str, guardrails: Optional[Guardrails] = None
) -> Optional[str]:
    reason = (guardrails or guard())(value, kind)
    if reason is None and kind == "IpAddress":
        address = ipaddress.ip_address(value)
        for entry in load_config()["protection"]["refusedNetworks"]:
            network = ipaddress.ip_network(entry["network"])
            if address.version == network.version and address in network:
                return f"{value} is a protected value ({entry['kind']} address range {network}); it is never blocked."
    return reason


def builtin_corpus() -> List[Tuple[str, str]]:
    g = guard()
    values: List[Tuple[str, str]] = []
    for domain in g.domains:
        values += [
            ("DomainName", domain),
            ("DomainName", f"cdn.{domain}"),
            ("Url", f"https://{domain}/path?q=1"),
        ]
    for parent in g.parents:
        values.append(("DomainName", parent))  # blocking it would block a protected subdomain
    for digest in g.hashes:
        values.append((HASH_TYPE[len(digest)], digest))
    for network, _ in g.networks:
        address = network.network_address
        if address.version == 4:
            values += [("IpAddress", str(address)), ("Url", f"http://{address}:8080/x")]
        else:
            values += [("IpAddress", s) for s in ipv6_spellings(address)]
    return values


OTHERS = [
    ("DomainName", "evil-updates.example.org"),
    (
        "DomainName",
        "login.microsoftonline.com.evil.example",
    ),  # protected name as a label, not a suffix
    ("DomainName", "notmicrosoftonline.com"),
    ("Url", "https://evil.example/login.microsoftonline.com/"),
    ("Url", "https://user@login-microsoftonline.example.net/"),
    ("IpAddress", "185.220.101.4"),
    ("IpAddress", "8.8.8.9"),
    ("IpAddress", "2a00:1450:4001:82a::200e"),
    ("FileSha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
    ("FileMd5", "44d88612fea8a8f36de82e1278abb02f"),
]
PRIVATE = [
    ("IpAddress", v)
    for v in (
        "10.0.0.5",
        "10.255.255.255",
        "172.16.0.1",
        "172.31.255.254",
        "172.32.0.1",  # public
        "192.168.1.10",
        "192.169.0.1",  # public
        "127.0.0.1",
        "169.254.169.254",
        "fe80::1",
        "febf:ffff::1",
        "fec0::1",  # not link-local (site-local, deprecated)
        "fd12:3456:789a::1",
        "fc00::1",
        "::1",
        "0:0:0:0:0:0:0:1",
    )
]


def test_the_builtin_list_is_refused_exactly_as_the_core_refuses_it() -> None:
    corpus = builtin_corpus() + OTHERS + PRIVATE
    refused, sent = decisions(corpus)
    allowed = set()
    for kind, value in corpus:
        normalised = value if kind in ("Url", "IpAddress") else value.lower()
        want = expected_reason(kind, value)
        got = refused.get(normalised)
        assert (got is None) == (want is None), f"{kind} {value}: playbook {got!r}, core {want!r}"
        if want:
            assert got == want.replace(value, normalised), (kind, value)
        else:
            allowed.add(normalised)
    assert sorted(sent) == sorted(allowed)
    assert len(refused) > 200  # the whole built-in list went through


def test_only_blocking_actions_are_refused() -> None:
    values = [
        ("IpAddress", "8.8.8.8"),
        ("FileSha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ]
    refused, sent = decisions(values, NetworkAction="Audit", FileAction="Allowed")
    assert refused == {} and sorted(sent) == sorted(v for _, v in values)
    refused, sent = decisions(values, NetworkAction="Warn", FileAction="Allowed")
    assert list(refused) == ["8.8.8.8"] and sent == [values[1][1]]


CUSTOM = [
    "contoso.com",
    "https://Portal.Fabrikam.example/login",
    "203.0.113.0/24",
    "198.51.100.7",
    "2001:db8::10",
    "0cc175b9c0f1b6a831c399e269772661",
    "  # a comment is ignored",
    "",
]


def test_the_protected_values_parameter_adds_the_customers_own_values() -> None:
    own = Guardrails.load(builtin=False)
    own.add_lines([v for v in CUSTOM], "ProtectedValues parameter")
    corpus = [
        ("DomainName", "contoso.com"),
        ("DomainName", "mail.contoso.com"),
        ("Url", "https://www.contoso.com/a"),
        ("DomainName", "fabrikam.example"),  # the parent of a protected host
        ("Url", "https://portal.fabrikam.example/other"),
        ("IpAddress", "203.0.113.77"),
        ("IpAddress", "203.0.114.1"),
        ("IpAddress", "198.51.100.7"),
        ("IpAddress", "2001:db8::10"),
        ("FileMd5", "0cc175b9c0f1b6a831c399e269772661"),
        ("DomainName", "contoso.co"),
    ]
    refused, _ = decisions(corpus, ProtectedValues=CUSTOM)
    for kind, value in corpus:
        want = own(value, kind)
        got = refused.get(value)
        assert (got is None) == (want is None), f"{kind} {value}: playbook {got!r}, core {want!r}"
    assert (
        refused["contoso.com"]
        == "contoso.com is a protected value (ProtectedValues parameter); it is never blocked."
    )
    assert refused["fabrikam.example"].startswith("Blocking fabrikam.example would also block")


@pytest.mark.parametrize(
    "entry", ["2001:db8::/32", "not a value", "evil.com,good.com", "10.0.0.0/33"]
)
def test_an_unusable_protected_value_stops_the_submission_with_a_clear_comment(entry: str) -> None:
    http = RecordingHttp()
    result, sentinel = run_playbook(
        copy.deepcopy(playbook("Submit-MDEIndicators-incident-trigger").template),
        incident([("IpAddress", "185.220.101.4")]),
        http,
        parameters={"ProtectedValues": ["contoso.com", entry]},
    )
    assert http.sent == [] and result.status == "Failed"
    message = sentinel.comments[0]["message"]
    assert "the ProtectedValues parameter has entries the playbook cannot use" in message
    assert (
        entry.replace("&", "&amp;") in message
        and "contoso.com" not in message.split("cannot use")[1]
    )


def test_refused_networks_are_what_their_kind_says() -> None:
    assert refused_networks_hold(load_config()["protection"]["refusedNetworks"]) == []
