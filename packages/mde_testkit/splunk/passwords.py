"""storage/passwords on the fake splunkd: secrets by realm and username, named the way splunkd names them.

Modelled behaviours and their sources:
- The entity name is `<realm>:<username>:` with ":" in either part escaped as "\\:" and "\\" as "\\\\";
  no realm gives `:<username>:` (splunk-sdk-python tests/integration/test_storage_passwords.py:
  test_create_with_colons, test_create_with_backslashes, test_create_norealm, run against real splunkd).
  An entity is found by that name, with or without its trailing ":" (same file, test_read).
- POST storage/passwords with name, password and optional realm creates it (201); the same realm and name
  again is 409. POST to the entity with password updates it; DELETE removes it (splunklib client.py
  StoragePasswords.create/delete, StoragePassword.update).
- GET lists every secret with clear_password; `search=realm=<r>` filters (solnlib credentials.py
  get_raw_passwords_in_realm). The filter is a case-insensitive substring match on that field, so a client
  must still compare realm and username exactly.
- Reading needs list_storage_passwords; writing also needs edit_storage_passwords, or admin_all_objects
  for either (REST API Reference "storage/passwords"; misp42splunk issue 135).
- splunkd encrypts a value of at most 255 characters (solnlib credentials.py SPLUNK_CRED_LEN_LIMIT, the
  reason it stores longer credentials in chunks); the fake refuses a longer one with 400 instead of
  storing it, so that a client which does not chunk fails here, loudly.
"""

from __future__ import annotations

import threading
from typing import Dict, List, Optional, Set

from werkzeug.wrappers import Request, Response

from . import rest

MAX_LENGTH = 255
MASK = "********"


def escape_part(text: str) -> str:
    return text.replace("\\", "\\\\").replace(":", "\\:")


def entity_name(realm: Optional[str], username: str) -> str:
    return f"{escape_part(realm or '')}:{escape_part(username)}:"


def can_read(caps: Set[str]) -> bool:
    return bool(caps & {"list_storage_passwords", "admin_all_objects"})


def can_write(caps: Set[str]) -> bool:
    return (
        "admin_all_objects" in caps or {"list_storage_passwords", "edit_storage_passwords"} <= caps
    )


class PasswordStore:
    def __init__(self, app: str) -> None:
        self.app = app
        self.secrets: Dict[str, Dict[str, str]] = {}  # entity name -> content
        self.lock = threading.Lock()

    def find(self, name: str) -> Optional[str]:
        for candidate in (name, name + ":"):
            if candidate in self.secrets:
                return candidate
        return None

    def _entries(self, names: List[str]) -> List[rest.Entry]:
        return [(n, {**self.secrets[n], "password": MASK}, rest.acl(self.app)) for n in names]

    def handle(
        self, request: Request, base: str, rest_parts: List[str], user: str, caps: Set[str]
    ) -> Response:
        if not can_read(caps):
            return rest.forbidden(request, user, "list_storage_passwords OR admin_all_objects")
        if request.method != "GET" and not can_write(caps):
            return rest.forbidden(
                request, user, "edit_storage_passwords AND list_storage_passwords"
            )
        with self.lock:
            if len(rest_parts) > 1:  # a "/" inside a name arrives as %2F, one segment
                return rest.not_found(request, "/".join(rest_parts))
            if rest_parts:
                return self.entity(request, base, rest_parts[0])
            if request.method == "GET":
                return rest.entries(request, base, self._entries(self.search(request)))
            if request.method == "POST":
                return self.create(request, base)
        return rest.error(request, 405, f"Method {request.method} not allowed")

    def search(self, request: Request) -> List[str]:
        names = list(self.secrets)
        query = request.values.get("search") or ""
        if "=" in query:
            key, _, want = query.partition("=")
            names = [n for n in names if want.lower() in str(self.secrets[n].get(key, "")).lower()]
        return names

    def create(self, request: Request, base: str) -> Response:
        username, password = request.form.get("name"), request.form.get("password")
        if not username or password is None:
            return rest.error(request, 400, "Missing argument: name or password")
        if len(password) > MAX_LENGTH:
            return rest.error(request, 400, f"Password longer than {MAX_LENGTH} characters")
        realm = request.form.get("realm") or ""
        name = entity_name(realm, username)
        if name in self.secrets:
            return rest.conflict(request, name)
        self.secrets[name] = {
            "realm": realm,
            "username": username,
            "clear_password": password,
            "encr_password": "$7$" + "x" * 24,
        }
        return rest.entries(request, base, self._entries([name]), status=201)

    def entity(self, request: Request, base: str, given: str) -> Response:
        name = self.find(given)
        if name is None:
            return rest.not_found(request, given)
        if request.method == "DELETE":
            del self.secrets[name]
            return rest.entries(request, base, self._entries(list(self.secrets)))
        if request.method == "POST":
            password = request.form.get("password")
            if password is None:
                return rest.error(request, 400, "Missing argument: password")
            if len(password) > MAX_LENGTH:
                return rest.error(request, 400, f"Password longer than {MAX_LENGTH} characters")
            self.secrets[name]["clear_password"] = password
        return rest.entries(request, base, self._entries([name]))
