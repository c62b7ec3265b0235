"""A fake splunkd on loopback: a model of splunkd's REST API, persistent handlers and alert actions,
built from splunkd's behaviour (never from the app's code) for the app's tests, demo and benchmarks.

What it models, and where each behaviour comes from (the modules say more):
- paths decoded once, EAI answers in JSON or Atom, 404/409 bodies (rest.py);
- users, roles, capabilities, searchable indexes, default.meta ACLs, sc_admin (authz.py);
- configs/conf-* as default/ under local/ (confs.py); storage/passwords naming and limits
  (passwords.py); the KV Store data API with _key/_user (kvstore.py);
- authentication/current-context: the session's username, roles and capabilities (REST API Reference
  "authentication/current-context");
- apps/local/<app>: `configured` from app.conf [install] is_configured, set by POST configured=true, and
  POST .../_reload (splunk-app-examples setup pages: SetupComponent.jsx and setup_configuration.js;
  splunklib client.py Entity.reload); editing an app needs admin_all_objects;
- the app's script endpoints from its restmap.conf: the capability expression is checked before the
  handler runs (403 from splunkd itself), then one persistent process per script answers each request
  with a new handler object (persist.py); passSystemAuth adds system_authtoken, passPayload the body;
- alert actions as sendmodalert runs them: `python bin/<action>.py --execute`, the JSON payload on stdin,
  results in a gzipped CSV, the script killed after the action's maxtime (alert_actions.conf.spec
  maxtime: "the maximum amount of time that the execution of an action is allowed to take before the
  action is aborted"; default 5m). The payload's `configuration` is the action's param.* defaults from
  alert_actions.conf under the search's own action.<name>.param.* values (alert_actions.conf.spec
  param.<name>; cim_actions.py queuework() reads param._cam back from it as configuration["_cam"]); a
  scheduled search's sid contains "scheduler", an ad hoc one's does not (cim_actions.py derives
  action_mode from exactly that).
"""

from __future__ import annotations

import gzip
import json
import re
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Set, Tuple

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from . import rest
from .authz import Metadata, Roles, capability_allows, expression_of, read_conf
from .confs import ConfStore
from .driver import to_csv
from .kvstore import KvStore
from .passwords import PasswordStore

PERSIST_HOST = Path(__file__).with_name("persist.py")
USERS = {
    "admin": ["admin"],
    "cloudadmin": ["sc_admin"],
    "analyst": ["mde_indicators_submitter"],
    "reader": ["mde_indicators_reader"],
    "guest": ["user"],
}
SYSTEM_USER = "splunk-system-user"
DEFAULT_MAXTIME = 300.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass


def seconds(text: str) -> float:
    """An alert_actions.conf duration ("5m", "30s", "1h", a bare number of seconds)."""
    match = _DURATION.match(text or "")
    if not match:
        raise ValueError(f"bad duration {text!r}")
    unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    return float(match.group(1)) * unit


class PersistHost:
    """One long-lived handler process, as splunkd keeps for scripttype = persist."""

    def __init__(self, python: str, script: Path, env: Mapping[str, str]) -> None:
        self.proc = subprocess.Popen(
            [python, str(PERSIST_HOST), str(script)], stdin=subprocess.PIPE,
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


@dataclass
class AlertRun:
    """What sendmodalert saw of one action run."""

    returncode: Optional[int]
    stdout: str
    stderr: str
    elapsed: float
    killed: bool  # maxtime passed and splunkd aborted the script


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
        default = self.app_dir / "default"
        self.roles = Roles(read_conf(default / "authorize.conf"))
        self.metadata = Metadata(read_conf(self.app_dir / "metadata" / "default.meta"))
        self.restmap = {
            s: v for s, v in read_conf(default / "restmap.conf").items() if s.startswith("script:")
        }
        self.tokens: Dict[str, str] = {}
        self.user_roles: Dict[str, List[str]] = {}
        for user, roles in USERS.items():
            self.add_user(user, roles)
        self.system_token = self.add_user(SYSTEM_USER, ["splunk-system-role"])
        self.conf_store = ConfStore(self.app_dir)
        self.confs = self.conf_store.local  # what admins wrote: local/<conf>.conf by stanza
        self.passwords = PasswordStore(self.app)
        self.kvstore = KvStore(set(read_conf(default / "collections.conf")))
        self.reloads = 0
        self.log: List[Tuple[str, str, str]] = []
        self.hosts: Dict[str, PersistHost] = {}
        self._lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True, request_handler=_Quiet)
        self.uri = f"http://127.0.0.1:{self.server.server_port}"
        self._thread: Optional[threading.Thread] = None

    # -- users ------------------------------------------------------------------------------------
    def add_user(self, user: str, roles: List[str]) -> str:
        token = f"{user}-{secrets.token_hex(8)}"
        self.tokens[token] = user
        self.user_roles[user] = roles
        return token

    def token(self, user: str) -> str:
        return next(t for t, u in self.tokens.items() if u == user)

    def caps(self, user: str) -> Set[str]:
        return self.roles.capabilities(self.user_roles[user])

    def can_search(self, user: str, index: str) -> bool:
        return self.roles.can_search(self.user_roles[user], index)

    def allowed(self, user: str, kind: str, name: str, mode: str) -> bool:
        closure = self.roles.closure(self.user_roles[user])
        return self.metadata.allows(kind, name, mode, closure, self.caps(user))

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
        """(method, path, user) of every request so far whose decoded path contains prefix."""
        return [e for e in self.log if prefix in e[1]]

    # -- WSGI -------------------------------------------------------------------------------------
    def wsgi(self, environ: Dict[str, Any], start_response: Any) -> Any:
        if not environ.get("CONTENT_TYPE"):
            # splunkd reads a body without Content-Type as a form: splunklib sends its forms that way
            # (binding.py _prepare_request_body_and_url).
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        request = Request(environ)
        parts = rest.segments(environ)
        header = request.headers.get("Authorization", "")
        user = self.tokens.get(header.split(" ", 1)[1] if header.startswith("Splunk ") else "")
        self.log.append((request.method, "/" + "/".join(parts), user or "-"))
        if user is None:
            response = rest.error(request, 401, "call not properly authenticated")
        else:
            response = self.route(request, user, parts)
        return response(environ, start_response)

    def route(self, request: Request, user: str, parts: List[str]) -> Response:
        if parts[:1] == ["services"]:
            owner, base, tail = "nobody", "/services", parts[1:]
        elif parts[:1] == ["servicesNS"] and len(parts) >= 3:
            owner, base, tail = parts[1], "/" + "/".join(parts[:3]), parts[3:]
        else:
            return rest.not_found(request, "/".join(parts))
        if tail[:2] == ["authentication", "current-context"]:
            content = {
                "username": user,
                "roles": self.user_roles[user],
                "capabilities": sorted(self.caps(user)),
            }
            return rest.entries(request, base + "/authentication/current-context", [
                ("context", content, rest.acl("system"))
            ])  # fmt: skip
        if tail[:1] and tail[0].startswith("configs") and len(tail) > 1:
            return self.conf(request, user, base, tail[1].replace("conf-", "", 1), tail[2:])
        if tail[:2] == ["storage", "passwords"]:
            return self.passwords.handle(
                request, base + "/storage/passwords", tail[2:], user, self.caps(user)
            )
        if tail[:3] == ["storage", "collections", "data"]:
            return self.kvstore.handle(
                request,
                tail[3:],
                owner if owner != "-" else "nobody",
                lambda c, mode: self.allowed(user, "collections", c, mode),
            )
        if tail[:2] == ["apps", "local"] and len(tail) > 2:
            return self.local_app(request, user, base, tail[2], tail[3:])
        return self.rest_handler(request, user, "/" + "/".join(tail))

    def conf(
        self, request: Request, user: str, base: str, name: str, rest_parts: List[str]
    ) -> Response:
        path = f"{base}/configs/conf-{name}"
        store = self.conf_store

        def listing(names: Iterable[str]) -> List[rest.Entry]:
            merged = store.merged(name)
            return [(n, merged[n], rest.acl(self.app)) for n in names]

        if len(rest_parts) > 1:
            return rest.not_found(request, "/".join(rest_parts))
        stanza = rest_parts[0] if rest_parts else None
        if request.method == "GET":
            if stanza is None:
                return rest.entries(request, path, listing(store.names(name)))
            if store.stanza(name, stanza) is None:
                return rest.not_found(request, stanza)
            return rest.entries(request, path, listing([stanza]))
        if not self.allowed(user, name, stanza or "", "write"):
            return rest.error(
                request, 403, f"You (user={user}) do not have permission to edit {name}.conf"
            )
        form = {k: v for k, v in request.form.items() if k != "output_mode"}
        if request.method == "DELETE" and stanza:
            if not store.delete(name, stanza):
                return rest.not_found(request, stanza)
            return rest.entries(request, path, listing(store.names(name)))
        if request.method == "POST" and stanza is None:
            new = form.pop("name", "")
            if not new:
                return rest.error(request, 400, "Missing argument: name")
            if not store.create(name, new, form):
                return rest.conflict(request, new)
            return rest.entries(request, path, listing([new]), status=201)
        if request.method == "POST" and stanza:
            if not store.update(name, stanza, form):
                return rest.not_found(request, stanza)
            return rest.entries(request, path, listing([stanza]))
        return rest.error(request, 405, f"Method {request.method} not allowed")

    def local_app(
        self, request: Request, user: str, base: str, app: str, action: List[str]
    ) -> Response:
        if app != self.app:
            return rest.not_found(request, app)
        if request.method != "GET" and "admin_all_objects" not in self.caps(user):
            return rest.forbidden(request, user, "admin_all_objects")
        if action == ["_reload"] and request.method == "POST":
            self.reloads += 1
        elif action:
            return rest.not_found(request, "/".join(action))
        elif request.method == "POST" and "configured" in request.form:
            flag = request.form["configured"].strip().lower() in ("1", "true")
            with self.conf_store.lock:
                install = self.confs.setdefault("app", {}).setdefault("install", {})
                install["is_configured"] = "true" if flag else "false"
        return rest.entries(request, f"{base}/apps/local", [
            (app, {"configured": self.configured, "version": self.app_conf("launcher", "version")},
             rest.acl(app, sharing="app"))
        ])  # fmt: skip

    def app_conf(self, stanza: str, key: str) -> str:
        return str((self.conf_store.stanza("app", stanza) or {}).get(key, ""))

    @property
    def configured(self) -> bool:
        return self.app_conf("install", "is_configured").strip().lower() in ("1", "true")

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
            return rest.not_found(request, path)
        needed = expression_of(stanza, request.method)
        if needed and not capability_allows(needed, self.caps(user)):
            return rest.forbidden(request, user, needed)
        script = self.app_dir / "bin" / stanza["script"]
        with self._lock:
            if str(script) not in self.hosts:
                self.hosts[str(script)] = PersistHost(self.python, script, self.env)
            host = self.hosts[str(script)]
        in_string = {
            "method": request.method, "rest_path": path, "path_info": path[len(stanza["match"]):],
            "output_mode": "json",
            "query": [[k, v] for k, v in request.args.items(multi=True) if k != "output_mode"],
            "form": [[k, v] for k, v in request.form.items(multi=True)],
            "session": {"user": user, "authtoken": self.token(user)},
            "server": {"rest_uri": self.uri, "hostname": "fake-splunkd", "servername": "fake-splunkd"},
            "ns": {"app": self.app, "user": user},
        }  # fmt: skip
        if stanza.get("passPayload") == "true":
            in_string["payload"] = request.get_data(as_text=True)
        if stanza.get("passSystemAuth") == "true":
            in_string["system_authtoken"] = self.system_token
        answer = host.call(in_string)
        return rest.json_response(answer.get("payload"), int(answer.get("status") or 200))

    # -- alert actions ----------------------------------------------------------------------------
    def maxtime(self, action: str) -> float:
        stanza = self.conf_store.stanza("alert_actions", action) or {}
        return seconds(stanza.get("maxtime") or str(DEFAULT_MAXTIME))

    def alert_configuration(self, action: str, given: Mapping[str, Any]) -> Dict[str, Any]:
        """param.* of the action's alert_actions.conf stanza, overridden by the search's own values."""
        stanza = self.conf_store.stanza("alert_actions", action) or {}
        defaults = {k[len("param.") :]: v for k, v in stanza.items() if k.startswith("param.")}
        return {**defaults, **given}

    def sendalert(
        self,
        action: str,
        configuration: Mapping[str, Any],
        rows: List[Mapping[str, Any]],
        *,
        user: str,
        dispatch: Path,
        search_name: str = "",
        argv: Iterable[str] = ("--execute",),
        server_uri: Optional[str] = None,
        sid: Optional[str] = None,
        app: Optional[str] = None,
    ) -> AlertRun:
        """Run the action as sendmodalert does; abort it once its maxtime has passed.

        sid: the invoking search's (default: a scheduled search's, from dispatch's name); app: the app it
        ran in (default this one); server_uri replaces this splunkd's own URI in the payload (a test of a
        splunkd out of reach)."""
        dispatch.mkdir(parents=True, exist_ok=True)
        results = dispatch / "results.csv.gz"
        with gzip.open(results, "wb") as fh:
            fh.write(to_csv(rows) if rows else b"")
        payload = {
            "app": app or self.app, "owner": user, "results_file": str(results),
            "results_link": "http://splunk.example/app/search", "search_uri": "/servicesNS/nobody/search/saved/searches/x",
            "server_host": "sh1", "server_uri": server_uri or self.uri, "session_key": self.token(user),
            "sid": sid or f"scheduler__{user}__search__RMD5{dispatch.name}", "search_name": search_name,
            "configuration": self.alert_configuration(action, configuration),
            "result": dict(rows[0]) if rows else {},
        }  # fmt: skip
        started = time.monotonic()
        proc = subprocess.Popen(
            [self.python, str(self.app_dir / "bin" / f"{action}.py"), *argv],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=self.env, cwd=str(self.app_dir / "bin"),
        )  # fmt: skip
        try:
            out, err = proc.communicate(json.dumps(payload), timeout=self.maxtime(action))
            killed = False
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            killed = True
        return AlertRun(proc.returncode, out, err, time.monotonic() - started, killed)
