"""Which [source::<spec>] stanza of props.conf gives a file its sourcetype, as splunkd decides.

From props.conf.spec ("[<spec>] stanza patterns", "priority"): in a source:: spec "..." matches any
run of characters including "/", "*" any run within one path segment, and the rest is a regular
expression matched against the whole source. When several stanzas match and set the same key, the one
with the higher `priority` wins (default 0 for a pattern, 100 for a literal); between equal priorities the
stanza whose pattern sorts first in ASCII order wins.
"""

from __future__ import annotations

import re
from typing import Dict, Mapping, Optional

_LITERAL = re.compile(r"^[^*.?()\[\]|+\\^$]*$")


def _regex(spec: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(spec):
        if spec.startswith("...", i):
            out.append(".*")
            i += 3
        elif spec[i] == "*":
            out.append("[^/]*")
            i += 1
        else:
            out.append(spec[i])
            i += 1
    return re.compile("".join(out) + r"\Z")


def source_setting(
    props: Mapping[str, Mapping[str, str]], source: str, key: str = "sourcetype"
) -> Optional[str]:
    """The value of key that props gives the file at source (None when no source:: stanza sets it)."""
    found: Dict[str, Mapping[str, str]] = {}
    for stanza, settings in props.items():
        if stanza.startswith("source::") and key in settings:
            spec = stanza[len("source::") :]
            if spec == source or _regex(spec).match(source):
                found[spec] = settings
    if not found:
        return None

    def rank(spec: str) -> tuple:
        literal = 100 if _LITERAL.match(spec) else 0
        return (-int(found[spec].get("priority", literal)), spec)

    return found[sorted(found, key=rank)[0]][key]
