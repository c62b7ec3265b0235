"""Who may do what on the fake splunkd: roles, capabilities, searchable indexes and object ACLs.

Modelled from splunkd's own configuration and docs (no copy of them):
- Built-in roles as etc/system/default/authorize.conf ships them (Splunk 8.0.4's, as in the public
  vncloudsco/splunk tree): `user` may search `*`, `admin` imports power and user and may search `*;_*`
  and holds admin_all_objects and list_storage_passwords. Only the capabilities the app's paths touch are
  listed. `sc_admin` is Splunk Cloud's administrator: it does not import role_admin (an app's [role_admin]
  grants never reach it) and, conservatively, is given no admin_all_objects here, so nothing of the app
  may rely on it.
- App roles and capabilities come from the app's default/authorize.conf (importRoles inherit).
- authorize.conf.spec srchIndexesAllowed: "*" matches every non-internal index and never an internal one
  (a name starting with "_"); "_*" matches the internal ones.
- restmap.conf.spec capability / capability.<method>: checked against the session's user before the handler
  runs; the value may be a boolean expression with "and", "or" and parentheses.
- metadata/default.meta `access = read : [ roles ], write : [ roles ]` on `[]`, `[<type>]` and
  `[<type>/<name>]`: the most specific stanza wins; admin_all_objects bypasses it.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Set

CORE_CAPS = {"search", "run_custom_command", "rest_properties_get"}
BUILTIN_ROLES: Dict[str, Dict[str, object]] = {
    "user": {"caps": set(CORE_CAPS), "indexes": "*", "imports": []},
    "power": {"caps": {"run_sendalert", "schedule_search"}, "indexes": "*", "imports": ["user"]},
    "admin": {
        "caps": {"admin_all_objects", "list_storage_passwords", "edit_storage_passwords"},
        "indexes": "*;_*",
        "imports": ["power", "user"],
    },
    "sc_admin": {
        "caps": {
            *CORE_CAPS,
            "run_sendalert",
            "schedule_search",
            "list_storage_passwords",
            "edit_storage_passwords",
        },
        "indexes": "*;_*",
        "imports": [],
    },
    "splunk-system-role": {
        "caps": {"admin_all_objects", "list_storage_passwords", "edit_storage_passwords"},
        "indexes": "*;_*",
        "imports": ["admin"],
    },
}


def read_conf(path: Path) -> Dict[str, Dict[str, str]]:
    """A .conf or .meta file as splunkd reads it: [stanza] (also []), key = value, # comments, a
    trailing backslash continuing a line; settings before any stanza belong to [default]."""
    stanzas: Dict[str, Dict[str, str]] = {}
    if not path.exists():
        return stanzas
    current = stanzas.setdefault("default", {})
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = pending + raw.strip()
        if line.endswith("\\"):
            pending = line[:-1] + "\n"
            continue
        pending = ""
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = stanzas.setdefault(line[1:-1].strip(), {})
        elif "=" in line:
            key, _, value = line.partition("=")
            current[key.strip()] = value.strip()
    if not stanzas["default"]:
        del stanzas["default"]
    return stanzas


def _split(text: str, sep: str = ";") -> List[str]:
    return [p.strip() for p in (text or "").split(sep) if p.strip()]


class Roles:
    """Built-in roles plus the app's authorize.conf."""

    def __init__(self, authorize: Mapping[str, Mapping[str, str]]) -> None:
        self.roles: Dict[str, Dict[str, object]] = {
            k: {**v, "caps": set(v["caps"])}  # type: ignore[arg-type]
            for k, v in BUILTIN_ROLES.items()
        }
        for stanza, settings in authorize.items():
            if not stanza.startswith("role_"):
                continue
            role = self.roles.setdefault(stanza[5:], {"caps": set(), "indexes": "", "imports": []})
            role["caps"] = set(role["caps"]) | {k for k, v in settings.items() if v == "enabled"}  # type: ignore[arg-type]
            role["imports"] = list(role["imports"]) + _split(settings.get("importRoles", ""))  # type: ignore[call-overload]
            if "srchIndexesAllowed" in settings:
                role["indexes"] = ";".join(
                    filter(None, [str(role["indexes"]), settings["srchIndexesAllowed"]])
                )

    def closure(self, roles: Iterable[str]) -> List[str]:
        seen: List[str] = []
        todo = list(roles)
        while todo:
            role = todo.pop()
            if role in seen or role not in self.roles:
                continue
            seen.append(role)
            todo += list(self.roles[role]["imports"])  # type: ignore[call-overload]
        return seen

    def capabilities(self, roles: Iterable[str]) -> Set[str]:
        found: Set[str] = set()
        for role in self.closure(roles):
            found |= set(self.roles[role]["caps"])  # type: ignore[call-overload]
        return found

    def can_search(self, roles: Iterable[str], index: str) -> bool:
        """srchIndexesAllowed semantics: '*' never matches an internal ('_') index."""
        for role in self.closure(roles):
            for pattern in _split(str(self.roles[role]["indexes"])):
                internal_pattern = pattern.startswith("_")
                if internal_pattern == index.startswith("_") and fnmatch.fnmatchcase(
                    index, pattern
                ):
                    return True
        return False


_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def capability_allows(expression: str, held: Set[str]) -> bool:
    """Evaluate a restmap.conf capability expression ("a or (b and c)"); 'and' binds tighter."""
    tokens = _TOKEN.findall(expression)
    pos = 0

    def parse_or() -> bool:
        nonlocal pos
        value = parse_and()
        while pos < len(tokens) and tokens[pos] == "or":
            pos += 1
            value = parse_and() or value
        return value

    def parse_and() -> bool:
        nonlocal pos
        value = parse_atom()
        while pos < len(tokens) and tokens[pos] == "and":
            pos += 1
            value = parse_atom() and value
        return value

    def parse_atom() -> bool:
        nonlocal pos
        word = tokens[pos]
        pos += 1
        if word == "(":
            value = parse_or()
            pos += 1  # ")"
            return value
        return word in held

    result = parse_or()
    if pos != len(tokens):
        raise ValueError(f"bad capability expression: {expression!r}")
    return result


class Metadata:
    """An app's metadata/default.meta: read and write ACLs by object."""

    def __init__(self, meta: Mapping[str, Mapping[str, str]]) -> None:
        self.meta = meta

    def roles(self, kind: str, name: str, mode: str) -> List[str]:
        for stanza in (f"{kind}/{name}", kind, ""):
            access = self.meta.get(stanza, {}).get("access")
            if access is None:
                continue
            match = re.search(rf"{mode}\s*:\s*\[([^\]]*)\]", access)
            if match:
                return _split(match.group(1), ",")
        return []

    def allows(
        self, kind: str, name: str, mode: str, user_roles: Iterable[str], caps: Set[str]
    ) -> bool:
        if "admin_all_objects" in caps:
            return True
        allowed = self.roles(kind, name, mode)
        return "*" in allowed or bool(set(allowed) & set(user_roles))


def expression_of(stanza: Mapping[str, str], method: str) -> Optional[str]:
    return stanza.get(f"capability.{method.lower()}") or stanza.get("capability")
