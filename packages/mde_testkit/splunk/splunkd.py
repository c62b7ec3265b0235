"""A fake splunkd on loopback for the app's tests and demo: users and capabilities, conf files,
storage/passwords, the KV Store data API and the app's persistent REST handler, over plain HTTP.

Roles and capabilities come from the built app's authorize.conf and restmap.conf, so the tests exercise
the app's own permission model; the handler runs in a child process under the interpreter being tested.
"""

from __future__ import annotations

import configparser
import json
import secrets
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple
from urllib.parse import unquote

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .kvstore import KvStore

PERSIST_HOST = Path(__file__).with_name("persist.py")
BUILTIN_CAPS = {
    "user": {"search", "run_custom_command", "rest_properties_get"},
    "admin": {"search", "run_custom_command", "rest_properties_get", "list_storage_passwords",
              "edit_storage_passwords", "admin_all_objects", "run_sendalert"},
}  # fmt: skip
USERS = {
    "admin": ["admin"],
    "analyst": ["mde_indicators_submitter"],
    "reader": ["mde_indicators_reader"],
    "guest": ["user"],
}
SYSTEM_USER = "splunk-system-user"


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass


def read_conf(path: Path) -> Dict[str, Dict[str, str]]:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    if path.exists():
        parser.read(path, encoding="utf-8")
    return {s: dict(parser.items(s)) for s in parser.sections()}


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _error(status: int, text: str) -> Response:
    return _json({"messages": [{"type": "ERROR", "text": text}]}, status)


def _entries(items: Mapping[str, Mapping[str, Any]]) -> Response:
    entry = [
        {"name": n, "content": dict(c), "acl": {"app": "", "owner": "nobody", "sharing": "app"}}
        for n, c in items.items()
    ]
    return _json({"entry": entry, "paging": {"total": len(entry), "offset": 0}, "messages": []})


class PersistHost:
    """One long-lived handler process, as splunkd keeps for scripttype = persist."""

    def __init__(self, python: str, bin_dir: Path, target: str, env: Mapping[str, str]) -> None:
        self.proc = subprocess.Popen(
            [python, str(PERSIST_HOST), str(bin_dir), target], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(env),
        )  # fmt: skip
        self.lock = threading.Lock()

    def call(self, request: Dict[str, Any]) -> Dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        with self.lock:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(
                "the REST handler process exited: "
                + (self.proc.stderr.read() if self.proc.stderr else "")
            )
        return dict(json.loads(line))

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class FakeSplunkd:
    def __init__(
        self,
        app_dir: Path,
        *,
        python: str = sys.executable,
        env: Optional[Mapping[str, str]] = None,
    ) -> None:
        self.app_dir = Path(app_dir)
        self.app = self.app_dir.name
        self.python = python
        self.env = dict(env or {})
        authorize = read_conf(self.app_dir / "default" / "authorize.conf")
        self.restmap = {
            s: v
            for s, v in read_conf(self.app_dir / "default" / "restmap.conf").items()
            if s.startswith("script:")
        }
        self.tokens: Dict[str, str] = {}
        self.user_roles: Dict[str, List[str]] = {}
        self.caps: Dict[str, Set[str]] = {}
        for user, roles in USERS.items():
            self.add_user(user, roles, authorize)
        self.system_token = self.add_user(SYSTEM_USER, ["admin"], authorize)
        self.confs: Dict[str, Dict[str, Dict[str, str]]] = {}
        self.passwords: Dict[str, Dict[str, str]] = {}
        self.kvstore = KvStore()
        self.log: List[Tuple[str, str, str]] = []
        self.hosts: Dict[str, PersistHost] = {}
        self._lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True, request_handler=_Quiet)
        self.uri = f"http://127.0.0.1:{self.server.server_port}"
        self._thread: Optional[threading.Thread] = None

    # -- users ------------------------------------------------------------------------------------
    def add_user(
        self, user: str, roles: List[str], authorize: Mapping[str, Mapping[str, str]]
    ) -> str:
        def caps(role: str, seen: Set[str]) -> Set[str]:
            if role in seen:
                return set()
            seen.add(role)
            stanza = authorize.get(f"role_{role}", {})
            found = set(BUILTIN_CAPS.get(role, set())) | {
                k for k, v in stanza.items() if v == "enabled"
            }
            for parent in filter(
                None, (r.strip() for r in stanza.get("importRoles", "").split(";"))
            ):
                found |= caps(parent, seen)
            return found

        token = f"{user}-{secrets.token_hex(8)}"
        self.tokens[token] = user
        self.user_roles[user] = roles
        self.caps[user] = set().union(*(caps(r, set()) for r in roles))
        return token

    def token(self, user: str) -> str:
        return next(t for t, u in self.tokens.items() if u == user)

    # -- lifecycle --------------------------------------------------------------------------------
    def __enter__(self) -> FakeSplunkd:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        for host in self.hosts.values():
            host.close()

    def paths(self, prefix: str = "") -> List[Tuple[str, str, str]]:
        """(method, path, user) of every request so far whose path contains prefix."""
        return [e for e in self.log if prefix in e[1]]

    # -- WSGI -------------------------------------------------------------------------------------
    def wsgi(self, environ: Dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        header = request.headers.get("Authorization", "")
        user = self.tokens.get(header.split(" ", 1)[1] if header.startswith("Splunk ") else "")
        self.log.append((request.method, request.path, user or "-"))
        if user is None:
            response = _error(401, "call not properly authenticated")
        else:
            try:
                response = self.route(request, user)
            except KeyError as exc:
                response = _error(404, f"Could not find object id={exc}")
        return response(environ, start_response)

    def route(self, request: Request, user: str) -> Response:
        parts = [unquote(p) for p in request.path.strip("/").split("/")]
        if parts[:3] == ["services", "authentication", "current-context"]:
            return _entries(
                {
                    "context": {
                        "username": user,
                        "roles": self.user_roles[user],
                        "capabilities": sorted(self.caps[user]),
                    }
                }
            )
        rest = parts[1:] if parts[0] == "services" else parts[3:]
        if rest and rest[0].startswith("configs") and len(rest) > 1:
            return self.conf(request, user, rest[1].replace("conf-", "", 1), rest[2:])
        if rest[:2] == ["storage", "passwords"]:
            return self.password(request, user, rest[2:])
        if rest[:3] == ["storage", "collections", "data"]:
            return self.kvstore.handle(request, rest[3:], self.app)
        return self.rest_handler(request, user, "/" + "/".join(rest))

    def conf(self, request: Request, user: str, name: str, rest: List[str]) -> Response:
        with self._lock:
            stanzas = self.confs.setdefault(name, {})
            if request.method == "GET":
                if rest:
                    return _entries({rest[0]: stanzas[rest[0]]})
                return _entries(stanzas)
            if "admin_all_objects" not in self.caps[user]:
                return _error(403, "You do not have permission to edit configuration")
            if request.method == "DELETE":
                del stanzas[rest[0]]
                return _entries({})
            form = {k: v for k, v in request.form.items() if k != "output_mode"}
            stanza = rest[0] if rest else form.pop("name")
            stanzas.setdefault(stanza, {}).update(form)
            return _entries({stanza: stanzas[stanza]})

    def password(self, request: Request, user: str, rest: List[str]) -> Response:
        if "list_storage_passwords" not in self.caps[user]:
            return _error(
                403,
                f"You (user={user}) do not have permission to perform this operation "
                "(requires capability: list_storage_passwords OR admin_all_objects).",
            )
        with self._lock:
            if request.method == "GET":
                if rest:
                    return _entries({rest[0]: self.passwords[rest[0]]})
                return _entries(self.passwords)
            if request.method == "DELETE":
                del self.passwords[rest[0]]
                return _entries({})
            if rest:
                self.passwords[rest[0]]["clear_password"] = request.form["password"]
                return _entries({rest[0]: self.passwords[rest[0]]})
            realm, name = request.form.get("realm", ""), request.form["name"]
            key = f"{realm}:{name}:"
            if key in self.passwords:
                return _error(409, f"An object with name={name} already exists")
            self.passwords[key] = {
                "realm": realm,
                "username": name,
                "clear_password": request.form["password"],
                "password": "********",
            }
            return _entries({key: self.passwords[key]})

    def add_account(
        self, name: str, settings: Mapping[str, str], secret: Mapping[str, str]
    ) -> None:
        """Configure an account directly, as an admin would on the setup page."""
        self.confs.setdefault("mde_indicators_accounts", {})[name] = dict(settings)
        self.passwords[f"{self.app}:{name}:"] = {
            "realm": self.app,
            "username": name,
            "clear_password": json.dumps(dict(secret)),
            "password": "********",
        }

    def rest_handler(self, request: Request, user: str, path: str) -> Response:
        stanza = next(
            (
                s
                for s in self.restmap.values()
                if path == s["match"] or path.startswith(s["match"] + "/")
            ),
            None,
        )
        if stanza is None:
            return _error(404, f"No endpoint {path}")
        needed = stanza.get(f"capability.{request.method.lower()}") or stanza.get("capability")
        if needed and needed not in self.caps[user]:
            return _error(
                403,
                f"You (user={user}) do not have permission to perform this operation (requires capability: {needed}).",
            )
        with self._lock:
            key = stanza["handler"]
            if key not in self.hosts:
                self.hosts[key] = PersistHost(self.python, self.app_dir / "bin", key, self.env)
            host = self.hosts[key]
        token = next(t for t, u in self.tokens.items() if u == user)
        payload = request.get_data(as_text=True)
        in_string = {
            "method": request.method, "rest_path": path, "output_mode": "json",
            "query": [[k, v] for k, v in request.args.items(multi=True) if k != "output_mode"],
            "form": [[k, v] for k, v in request.form.items(multi=True)],
            "payload": payload if stanza.get("passPayload") == "true" else "",
            "session": {"user": user, "authtoken": token},
            "server": {"rest_uri": self.uri, "hostname": "fake-splunkd", "servername": "fake-splunkd"},
            "ns": {"app": self.app, "user": user},
        }  # fmt: skip
        if stanza.get("passSystemAuth") == "true":
            in_string["system_authtoken"] = self.system_token
        answer = host.call(in_string)
        return _json(answer.get("payload"), int(answer.get("status") or 200))
