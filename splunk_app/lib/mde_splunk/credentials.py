"""An account's credential in storage/passwords, stored in chunks the way Splunk's solnlib stores them.

splunkd names a secret `<realm>:<username>:`, with ":" in a part escaped as "\\:" (and "\\" as "\\\\"),
and encrypts values of at most 255 characters on some versions; a certificate PEM is far longer. So,
like solnlib's CredentialManager (credentials.py), the value is split into 255-character chunks stored
as `<username>``splunk_cred_sep``<n>` (n from 1), followed by one END_MARK chunk; reading joins the
chunks up to the end mark. A secret written whole by an earlier version of the app is still read.
solnlib itself is not vendored: its dependencies include compiled packages the app cannot ship.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from .splunkd import Splunkd

PATH = "storage/passwords"
CHUNK = 255
SEP = "``splunk_cred_sep``"
END_MARK = SEP + SEP.join("SPLUNK") + SEP


def escape(part: str) -> str:
    return part.replace("\\", "\\\\").replace(":", "\\:")


def entity_name(realm: str, username: str) -> str:
    """splunkd's name of the secret stored under realm and username."""
    return f"{escape(realm)}:{escape(username)}:"


def _entries(splunkd: Splunkd, realm: str) -> List[Tuple[str, Dict[str, str]]]:
    """(username, content) of every secret in realm (splunkd's search= is a loose match: filter here)."""
    found = []
    for entry in splunkd.entries(PATH, search=f"realm={realm}"):
        content = entry.get("content") or {}
        if content.get("realm") == realm:
            found.append((str(content.get("username")), content))
    return found


def _chunk_index(username: str, name: str) -> Optional[int]:
    match = re.fullmatch(re.escape(name) + re.escape(SEP) + r"(\d+)", username)
    return int(match.group(1)) if match else None


def read(splunkd: Splunkd, realm: str, name: str) -> Optional[str]:
    """The clear value stored for name, or None when there is none."""
    chunks: Dict[int, str] = {}
    whole = None
    for username, content in _entries(splunkd, realm):
        index = _chunk_index(username, name)
        if index is not None:
            chunks[index] = str(content.get("clear_password") or "")
        elif username == name:
            whole = str(content.get("clear_password") or "")
    if not chunks:
        return whole
    value = []
    for index in sorted(chunks):
        if chunks[index] == END_MARK:
            return "".join(value)
        value.append(chunks[index])
    return None  # no end mark: a write that did not finish


def exists(splunkd: Splunkd, realm: str, names: List[str]) -> Dict[str, bool]:
    """Which of names have a stored value (one listing for all of them)."""
    stored = {u for u, _ in _entries(splunkd, realm)}
    return {n: n in stored or any(_chunk_index(u, n) is not None for u in stored) for n in names}


def write(splunkd: Splunkd, realm: str, name: str, value: str) -> None:
    """Store value for name (creating or updating each chunk), then drop what the old value left."""
    parts = [value[i : i + CHUNK] for i in range(0, len(value), CHUNK)] + [END_MARK]
    present = {u for u, _ in _entries(splunkd, realm)}
    for number, part in enumerate(parts, 1):
        username = f"{name}{SEP}{number}"
        if username in present:
            splunkd.post_form(f"{PATH}/{entity_name(realm, username)}", {"password": part})
        else:
            splunkd.post_form(PATH, {"name": username, "realm": realm, "password": part})
    for username in present:
        index = _chunk_index(username, name)
        if username == name or (index is not None and index > len(parts)):
            splunkd.delete(f"{PATH}/{entity_name(realm, username)}")


def delete(splunkd: Splunkd, realm: str, name: str) -> int:
    """Remove every chunk (and any whole value) stored for name; returns how many entries went."""
    gone = 0
    for username, _ in _entries(splunkd, realm):
        if username == name or _chunk_index(username, name) is not None:
            splunkd.delete(f"{PATH}/{entity_name(realm, username)}")
            gone += 1
    return gone
