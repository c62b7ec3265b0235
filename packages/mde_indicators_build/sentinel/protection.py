"""Values the Submit playbooks never block: the pack's built-in list, rendered into the templates.

The list is the one the CLI and the Splunk app use (mde_indicators data/protected-values.txt, read
by mde_indicators.guardrails.Guardrails), plus private, loopback and link-local networks. It becomes a
table of match keys, one per protected value:

- ``h:<hash>``, ``d:<labels joined by |>`` (a domain and everything under it), ``p:<labels>`` (a
  parent of a protected domain: blocking it would block the protected one), ``n:<prefix>/<network>``
  (IPv4, single addresses as /32), ``i:<text>`` (IPv6 addresses in their usual spellings) and
  ``v6:<hex digits>`` (IPv6 ranges of at most 16 bits, by the first hextet's digits).

Domains are stored with '|' between labels, so that arm-ttk's hard-coded-URI test (which greps for
sign-in and management hosts such as login.microsoftonline.com) does not take data for endpoints.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Dict, List, Tuple

from mde_indicators.guardrails import BUILTIN_LABEL, Guardrails

LABELS = {
    "private": "private address range {net}",
    "loopback": "loopback address range {net}",
    "link-local": "link-local address range {net}",
}


def encode(domain: str) -> str:
    return domain.replace(".", "|")


def ipv6_spellings(address: ipaddress.IPv6Address) -> List[str]:
    """The forms an IPv6 address is written in: compressed, 8 groups (MDE's form), exploded."""
    groups = ":".join(format(int(g, 16), "x") for g in address.exploded.split(":"))
    return sorted({address.compressed, groups, address.exploded})


def ipv6_prefixes(network: ipaddress.IPv6Network) -> List[str]:
    """First-hextet hex-digit prefixes that together cover a network of at most 16 prefix bits."""
    if network.prefixlen > 16:
        raise ValueError(f"IPv6 range {network} is longer than /16; the playbooks cannot match it")
    digits = -(-network.prefixlen // 4) or 1
    first = int(network.network_address) >> 112
    span = 1 << (16 - network.prefixlen)
    shift = 4 * (4 - digits)
    return sorted({format(h >> shift, f"0{digits}x") for h in range(first, first + span)})


def network_keys(network: Any) -> List[str]:
    if network.version == 4:
        return [f"n:{network.prefixlen}/{int(network.network_address)}"]
    if network.prefixlen == 128:
        return [f"i:{s}" for s in ipv6_spellings(network.network_address)]
    return [f"v6:{p}" for p in ipv6_prefixes(network)]


def protected_table(refused: List[Dict[str, str]]) -> Dict[str, Any]:
    """{'keys': [...], 'labels': {key: {'label': ..., 'child': ...}}} for the built-in list."""
    guard = Guardrails.load()
    labels: Dict[str, Dict[str, str]] = {}

    def add(key: str, label: str, child: str = "") -> None:
        labels.setdefault(key, {"label": label, **({"child": encode(child)} if child else {})})

    for value, label in guard.hashes.items():
        add(f"h:{value}", label)
    for domain, label in guard.domains.items():
        add(f"d:{encode(domain)}", label)
    for parent, child_label in guard.parents.items():
        child, label = child_label.split(": ", 1)
        add(f"p:{encode(parent)}", label, child)
    for network, label in guard.networks:
        for key in network_keys(network):
            add(key, label)
    for entry in refused:
        network = ipaddress.ip_network(entry["network"])
        label = LABELS[entry["kind"]].format(net=network)
        for key in network_keys(network):
            add(key, label)
    return {"keys": list(labels), "labels": labels}


def refused_networks_hold(refused: List[Dict[str, str]]) -> List[Tuple[str, str]]:
    """(network, problem) for each refused network whose kind Python's ipaddress disagrees with."""
    checks = {"private": "is_private", "loopback": "is_loopback", "link-local": "is_link_local"}
    problems = []
    for entry in refused:
        network = ipaddress.ip_network(entry["network"])
        for address in (network.network_address, network.broadcast_address):
            if not getattr(address, checks[entry["kind"]]):
                problems.append((entry["network"], f"{address} is not {entry['kind']}"))
    return problems


__all__ = ["BUILTIN_LABEL", "ipv6_spellings", "protected_table", "refused_networks_hold"]
