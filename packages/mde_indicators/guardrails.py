"""Protected values that must never be blocked (sign-in, update, public DNS, empty-file hashes, your own).

Only actions the schema marks `blocks` are refused; allow-listing or auditing a protected value is fine.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union
from urllib.parse import urlsplit

import idna

from .errors import ConfigurationError
from .model import Model, load_model

BUILTIN_FILE = "protected-values.txt"
BUILTIN_LABEL = "built-in list"
Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
_HEX = re.compile(r"^[0-9a-f]{32}$|^[0-9a-f]{40}$|^[0-9a-f]{64}$")


@dataclass
class Guardrails:
    """A set of protected values; call it as a service Guard: guard(value, type) -> reason or None."""

    domains: Dict[str, str] = field(default_factory=dict)
    parents: Dict[str, str] = field(default_factory=dict)  # parent domain -> "child: label"
    hashes: Dict[str, str] = field(default_factory=dict)
    networks: List[Tuple[Network, str]] = field(default_factory=list)
    model: Model = field(default_factory=load_model, repr=False)

    @classmethod
    def load(cls, files: Sequence[str] = (), *, builtin: bool = True) -> Guardrails:
        """The built-in list (unless switched off) plus each of the user's files."""
        guard = cls()
        if builtin:
            text = (
                resources.files("mde_indicators").joinpath("data", BUILTIN_FILE).read_text("utf-8")
            )
            guard.add_lines(text.splitlines(), BUILTIN_LABEL)
        for path in files:
            try:
                with open(path, encoding="utf-8-sig") as fh:
                    guard.add_lines(fh.read().splitlines(), path)
            except OSError as exc:
                raise ConfigurationError(
                    f"Cannot read the protected-values file {path}: {exc.strerror}"
                ) from None
        return guard

    def __len__(self) -> int:
        return len(self.domains) + len(self.hashes) + len(self.networks)

    def add_lines(self, lines: Iterable[str], source: str) -> None:
        heading = ""
        for number, line in enumerate(lines, 1):
            if line.startswith("## "):
                heading = line[3:].strip()
                continue
            parts = re.split(r"(?:^|\s)#", line, maxsplit=1)
            value, comment = parts[0].strip(), (parts[1].strip() if len(parts) > 1 else "")
            if not value:
                continue
            label = ", ".join(p for p in (comment or heading, source) if p)
            try:
                self.add(value, label)
            except ValueError as exc:
                raise ConfigurationError(f"{source} line {number}: {exc}") from None

    def add(self, value: str, label: str) -> None:
        text = value.strip().lower()
        if _HEX.match(text):
            self.hashes[text] = label
            return
        try:
            self.networks.append((ipaddress.ip_network(text, strict=False), label))
            return
        except ValueError:
            pass
        host = urlsplit(text).hostname if "://" in text else text
        if not host:
            raise ValueError(f"'{value}' is not a domain, URL, IP address, range or hash")
        try:
            self.networks.append((ipaddress.ip_network(host), label))
        except ValueError:
            name = _ascii_domain(host)
            self.domains[name] = label
            labels = name.split(".")
            for start in range(1, len(labels) - 1):
                self.parents.setdefault(".".join(labels[start:]), f"{name}: {label}")

    # -- checks -----------------------------------------------------------------------------------
    def __call__(self, value: str, indicator_type: str) -> Optional[str]:
        """Why value is protected, or None; the caller decides whether the action matters."""
        fmt = self.model.indicator_types[indicator_type].format
        text = value.strip().lower()
        if fmt == "hex":
            label = self.hashes.get(text)
        elif fmt == "ip":
            label = self._ip_label(text)
        else:
            host = (urlsplit(text).hostname or "") if fmt == "url" else text
            label = self._ip_label(host) or self._domain_label(host)
            # A domain block covers subdomains; a URL block covers only that URL's paths.
            parent = None if label or fmt == "url" else self._parent_of(host)
            if parent:
                child, label = parent.split(": ", 1)
                return f"Blocking {value} would also block {child}, a protected value ({label})."
        if label is None:
            return None
        return f"{value} is a protected value ({label}); it is never blocked."

    def _ip_label(self, text: str) -> Optional[str]:
        try:
            ip = ipaddress.ip_address(text.strip("[]"))
        except ValueError:
            return None
        return next((label for net, label in self.networks if ip in net), None)

    def _domain_label(self, host: str) -> Optional[str]:
        """The label of host's protected entry: itself or a parent (a block covers subdomains)."""
        labels = _ascii_domain(host, strict=False).split(".")
        for start in range(len(labels)):
            found = self.domains.get(".".join(labels[start:]))
            if found:
                return found
        return None

    def _parent_of(self, host: str) -> Optional[str]:
        """'child: label' when host is a parent of a protected domain, whose block would cover it."""
        return self.parents.get(_ascii_domain(host, strict=False))


def _ascii_domain(host: str, strict: bool = True) -> str:
    name = host.strip().rstrip(".").lower()
    if not name.isascii():
        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            if not strict:
                return name
            raise ValueError(f"'{host}' is not a valid domain ({exc})") from None
    return name
