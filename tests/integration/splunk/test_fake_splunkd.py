"""The fake splunkd behaves as splunkd does, pinned against recorded or documented behaviour, so that it
cannot drift back into leniency. Clients are real: splunklib (vendored in the built app) and requests.

Sources of the expectations: splunk-sdk-python tests/integration/test_storage_passwords.py (run against
real splunkd), splunklib binding.py/client.py, splunkd's persistconn/appserver.py, restmap.conf.spec,
authorize.conf.spec, alert_actions.conf.spec, props.conf.spec and the KV Store REST reference.
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from mde_testkit.splunk.props import source_setting
from mde_testkit.splunk.splunkd import FakeSplunkd

APP = "TA-fake-probe"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


@pytest.fixture(scope="module")
def probe_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny app of our own making, so that what is pinned is splunkd's behaviour, not the MDE app's."""
    app = tmp_path_factory.mktemp("apps") / APP
    write(app / "default" / "authorize.conf", """
        [capability::probe_a]
        [capability::probe_b]
        [capability::probe_c]
        [role_probe_ab]
        importRoles = user
        probe_a = enabled
        probe_b = enabled
        [role_admin]
        probe_c = enabled
    """)  # fmt: skip
    write(app / "default" / "restmap.conf", """
        [script:probe]
        match = /probe
        script = probe_rh.py
        scripttype = persist
        handler = probe_rh.ProbeHandler
        requireAuthentication = true
        output_modes = json
        passPayload = true
        passSystemAuth = true
        capability.post = probe_c or (probe_a and probe_b)
        capability.get = probe_c
    """)  # fmt: skip
    write(app / "bin" / "probe_rh.py", """
        import json
        from splunk.persistconn.application import PersistentServerConnectionApplication

        CALLS = {"objects": 0, "handled": 0, "done": 0}

        class ProbeHandler(PersistentServerConnectionApplication):
            def __init__(self, command_line, command_arg):
                super().__init__()
                CALLS["objects"] += 1
                self.seen = 0

            def handle(self, in_bytes):
                self.seen += 1
                CALLS["handled"] += 1
                request = json.loads(in_bytes.decode("utf-8"))
                return {"payload": {"calls": dict(CALLS), "seen": self.seen,
                                    "bytes": isinstance(in_bytes, bytes),
                                    "system": bool(request.get("system_authtoken")),
                                    "path_info": request.get("path_info")}, "status": 200}

            def done(self):
                CALLS["done"] += 1
    """)  # fmt: skip
    write(app / "bin" / "probe_alert.py", """
        import json, sys, time
        payload = json.loads(sys.stdin.read())
        time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0)
        sys.stdout.write(json.dumps({k: payload[k] for k in ("configuration", "sid", "search_name")}))
        sys.stderr.write("INFO finished\\n")
    """)  # fmt: skip
    write(app / "default" / "alert_actions.conf", """
        [probe_alert]
        is_custom = 1
        maxtime = 2s
        param._cam = {"supports_adhoc": true}
        param.colour = blue
        param.size =
    """)  # fmt: skip
    write(app / "default" / "collections.conf", """
        [probe_docs]
        field.v = string
    """)  # fmt: skip
    write(app / "default" / "app.conf", """
        [install]
        is_configured = false
        [launcher]
        version = 1.0.0
    """)  # fmt: skip
    write(app / "default" / "probe.conf", """
        [default]
        inherited = yes
        [shipped]
        color = blue
    """)  # fmt: skip
    write(app / "metadata" / "default.meta", """
        []
        access = read : [ * ], write : [ admin, sc_admin ]
        [collections/probe_docs]
        access = read : [ admin, probe_ab ], write : [ admin ]
    """)  # fmt: skip
    return app


@pytest.fixture(scope="module")
def splunkd(probe_app: Path) -> Iterator[FakeSplunkd]:
    with FakeSplunkd(probe_app, python=sys.executable) as fake:
        fake.add_user("prober", ["probe_ab"])
        yield fake


@pytest.fixture(scope="module")
def splunklib(installed_app: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The vendored splunklib (with its dist-info, which it reads) on its own on sys.path."""
    lib = tmp_path_factory.mktemp("splunklib")
    source = installed_app / "lib"
    shutil.copytree(source / "splunklib", lib / "splunklib")
    for info in source.glob("splunk_sdk-*.dist-info"):
        shutil.copytree(info, lib / info.name)
    sys.path.insert(0, str(lib))
    try:
        yield importlib.import_module("splunklib.client")
    finally:
        sys.path.remove(str(lib))
        for name in [m for m in sys.modules if m == "splunklib" or m.startswith("splunklib.")]:
            del sys.modules[name]


def service(splunklib: Any, splunkd: FakeSplunkd, user: str = "admin") -> Any:
    port = int(splunkd.uri.rsplit(":", 1)[1])
    return splunklib.Service(
        scheme="http", host="127.0.0.1", port=port, token=splunkd.token(user),
        owner="nobody", app=APP, autologin=False,
    )  # fmt: skip


def get(splunkd: FakeSplunkd, raw_path: str, user: str = "admin", **kw: Any) -> requests.Response:
    """A request whose path goes on the wire exactly as given (no re-encoding)."""
    session = requests.Session()
    session.trust_env = False
    prepared = requests.Request(
        kw.pop("method", "GET"), splunkd.uri + raw_path,
        headers={"Authorization": f"Splunk {splunkd.token(user)}"}, **kw,
    ).prepare()  # fmt: skip
    prepared.url = splunkd.uri + raw_path
    return session.send(prepared, timeout=30)


# -- storage/passwords ----------------------------------------------------------------------------
def test_secret_names_escape_colons_and_backslashes_as_splunkd_does(
    splunklib: Any, splunkd: FakeSplunkd
) -> None:
    passwords = service(splunklib, splunkd).storage_passwords
    made = passwords.create("changeme", "user:end", ":start")
    assert made.name == "\\:start:user\\:end:"
    assert (made.realm, made.username) == (":start", "user:end")
    slash = passwords.create("changeme", "\\u", "\\r")
    assert slash.name == "\\\\r:\\\\u:"
    bare = passwords.create("changeme", "solo")
    assert bare.name == ":solo:"
    for entity in (made, slash, bare):
        entity.delete()  # by the entity's own name, as the SDK's tests do for escaped names
    assert not [p for p in passwords if p.username in ("user:end", "\\u", "solo")]


def test_secrets_are_created_once_updated_read_and_deleted(
    splunklib: Any, splunkd: FakeSplunkd
) -> None:
    passwords = service(splunklib, splunkd).storage_passwords
    made = passwords.create("first", "alice", "realm-x")
    with pytest.raises(Exception) as twice:
        passwords.create("again", "alice", "realm-x")
    assert getattr(twice.value, "status", None) == 409
    made.update(password="second")
    assert made.refresh().clear_password == "second"
    assert "realm-x:alice" in passwords  # found with or without the trailing colon
    passwords.delete("alice", "realm-x")
    assert "realm-x:alice:" not in passwords


def test_a_path_is_decoded_once_so_a_twice_encoded_name_is_not_found(splunkd: FakeSplunkd) -> None:
    splunkd.passwords.secrets["realm-y:bob:"] = {
        "realm": "realm-y", "username": "bob", "clear_password": "pw", "encr_password": "x",
    }  # fmt: skip
    base = f"/servicesNS/nobody/{APP}/storage/passwords/"
    once = get(splunkd, base + "realm-y%3Abob%3A?output_mode=json")
    assert once.status_code == 200 and once.json()["entry"][0]["content"]["clear_password"] == "pw"
    twice = get(splunkd, base + "realm-y%253Abob%253A?output_mode=json")
    assert twice.status_code == 404
    assert twice.json() == {
        "messages": [{"type": "ERROR", "text": "Could not find object id=realm-y%3Abob%3A"}]
    }
    del splunkd.passwords.secrets["realm-y:bob:"]


def test_values_longer_than_255_characters_are_refused_and_readers_need_the_capability(
    splunkd: FakeSplunkd,
) -> None:
    base = f"/servicesNS/nobody/{APP}/storage/passwords?output_mode=json"
    long = get(
        splunkd, base, method="POST", data={"name": "n", "realm": "r", "password": "x" * 256}
    )
    assert long.status_code == 400 and long.json()["messages"][0]["type"] == "ERROR"
    denied = get(splunkd, base, user="guest")
    assert (
        denied.status_code == 403
        and "list_storage_passwords" in denied.json()["messages"][0]["text"]
    )


def test_conflict_bodies_are_splunkd_messages(splunkd: FakeSplunkd) -> None:
    base = f"/servicesNS/nobody/{APP}/storage/passwords?output_mode=json"
    form = {"name": "dup", "realm": "r", "password": "p"}
    assert get(splunkd, base, method="POST", data=form).status_code == 201
    again = get(splunkd, base, method="POST", data=form)
    assert again.status_code == 409
    assert again.json() == {
        "messages": [{"type": "ERROR", "text": "An object with name=r:dup: already exists"}]
    }
    get(splunkd, f"/servicesNS/nobody/{APP}/storage/passwords/r%3Adup%3A", method="DELETE")


# -- confs and apps/local ---------------------------------------------------------------------------
def test_confs_layer_local_over_default_and_inherit_the_default_stanza(
    splunkd: FakeSplunkd,
) -> None:
    base = f"/servicesNS/nobody/{APP}/configs/conf-probe"
    shipped = get(splunkd, base + "/shipped?output_mode=json").json()["entry"][0]["content"]
    assert shipped == {"inherited": "yes", "color": "blue"}
    assert (
        get(
            splunkd, base + "?output_mode=json", method="POST", data={"name": "shipped"}
        ).status_code
        == 409
    )
    assert get(splunkd, base + "/nothere?output_mode=json").status_code == 404
    assert (
        get(
            splunkd, base + "?output_mode=json", method="POST", user="guest", data={"name": "n"}
        ).status_code
        == 403
    )
    made = get(
        splunkd,
        base + "?output_mode=json",
        method="POST",
        user="cloudadmin",
        data={"name": "n", "k": "v"},
    )
    assert made.status_code == 201 and splunkd.confs["probe"]["n"] == {"k": "v"}


def test_marking_the_app_configured_needs_admin_all_objects(splunkd: FakeSplunkd) -> None:
    path = f"/servicesNS/nobody/system/apps/local/{APP}?output_mode=json"
    assert get(splunkd, path).json()["entry"][0]["content"]["configured"] is False
    refused = get(splunkd, path, method="POST", user="cloudadmin", data={"configured": "true"})
    assert refused.status_code == 403 and not splunkd.configured
    done = get(splunkd, path, method="POST", data={"configured": "true"})
    assert done.status_code == 200 and splunkd.configured
    reload_path = f"/servicesNS/nobody/system/apps/local/{APP}/_reload?output_mode=json"
    assert get(splunkd, reload_path, method="POST").status_code == 200 and splunkd.reloads == 1


# -- roles, capabilities, indexes -------------------------------------------------------------------
def test_sc_admin_does_not_inherit_role_admin_and_star_never_matches_internal_indexes(
    splunkd: FakeSplunkd,
) -> None:
    assert "probe_c" in splunkd.caps("admin") and "probe_c" not in splunkd.caps("cloudadmin")
    assert "admin_all_objects" not in splunkd.caps("cloudadmin")
    context = get(
        splunkd, "/services/authentication/current-context?output_mode=json", user="prober"
    )
    content = context.json()["entry"][0]["content"]
    assert content["username"] == "prober" and {"probe_a", "probe_b", "search"} <= set(
        content["capabilities"]
    )
    assert splunkd.can_search("prober", "main") and not splunkd.can_search("prober", "_internal")
    assert splunkd.can_search("admin", "_internal") and splunkd.can_search("cloudadmin", "_audit")


# -- persistent handlers --------------------------------------------------------------------------
def test_every_request_gets_a_new_handler_object_and_done_is_called(splunkd: FakeSplunkd) -> None:
    answers = [
        get(splunkd, "/services/probe/x?output_mode=json", method="POST").json() for _ in range(3)
    ]
    assert [a["seen"] for a in answers] == [1, 1, 1]
    objects = [a["calls"]["objects"] for a in answers]
    assert objects == [objects[0], objects[0] + 1, objects[0] + 2]
    assert answers[-1]["calls"]["done"] == answers[-1]["calls"]["handled"] - 1
    assert answers[0]["bytes"] and answers[0]["system"] and answers[0]["path_info"] == "/x"


def test_restmap_capability_expressions_are_checked_before_the_handler_runs(
    splunkd: FakeSplunkd,
) -> None:
    before = get(splunkd, "/services/probe?output_mode=json", method="POST").json()["calls"][
        "handled"
    ]
    assert (
        get(splunkd, "/services/probe?output_mode=json", method="POST", user="prober").status_code
        == 200
    )
    refused = get(splunkd, "/services/probe?output_mode=json", user="prober")
    assert refused.status_code == 403
    assert refused.json()["messages"][0]["text"].endswith("(requires capability: probe_c).")
    assert (
        get(splunkd, "/services/probe?output_mode=json", method="POST", user="guest").status_code
        == 403
    )
    after = get(splunkd, "/services/probe?output_mode=json", method="POST").json()["calls"][
        "handled"
    ]
    assert after == before + 2  # the prober's POST and this one; no refused request reached it


# -- KV Store ---------------------------------------------------------------------------------------
def test_kv_store_documents_carry_key_and_user_and_acls_and_limits_apply(
    splunkd: FakeSplunkd,
) -> None:
    base = f"/servicesNS/nobody/{APP}/storage/collections/data"
    made = get(splunkd, f"{base}/probe_docs", method="POST", json={"v": "1", "_user": "mallory"})
    assert made.status_code == 201
    (doc,) = get(splunkd, f"{base}/probe_docs").json()
    assert doc == {"v": "1", "_key": made.json()["_key"], "_user": "nobody"}
    assert get(splunkd, f"{base}/probe_docs", user="prober").status_code == 200
    assert (
        get(splunkd, f"{base}/probe_docs", method="POST", user="prober", json={}).status_code == 403
    )
    assert get(splunkd, f"{base}/undeclared").status_code == 404
    big = get(splunkd, f"{base}/probe_docs/batch_save", method="POST", json=[{}] * 1001)
    assert big.status_code == 400


# -- alert actions ------------------------------------------------------------------------------------
def test_an_alert_action_is_aborted_once_its_maxtime_has_passed(
    splunkd: FakeSplunkd, tmp_path: Path
) -> None:
    quick = splunkd.sendalert(
        "probe_alert", {}, [{"a": "1"}], user="admin", dispatch=tmp_path / "q"
    )
    assert quick.returncode == 0 and not quick.killed and "INFO finished" in quick.stderr
    slow = splunkd.sendalert(
        "probe_alert", {}, [], user="admin", dispatch=tmp_path / "s", argv=("--execute", "30")
    )
    assert slow.killed and slow.returncode != 0 and 2 <= slow.elapsed < 10


def test_an_alert_action_gets_its_conf_params_under_the_search_s_own(
    splunkd: FakeSplunkd, tmp_path: Path
) -> None:
    saved = splunkd.sendalert(
        "probe_alert", {"size": "L"}, [{"a": "1"}], user="admin", dispatch=tmp_path / "p",
        search_name="Rule",
    )  # fmt: skip
    seen = json.loads(saved.stdout)
    assert seen["configuration"] == {
        "_cam": '{"supports_adhoc": true}',
        "colour": "blue",
        "size": "L",
    }
    assert "scheduler" in seen["sid"] and seen["search_name"] == "Rule"
    adhoc = splunkd.sendalert(
        "probe_alert", {}, [{"a": "1"}], user="admin", dispatch=tmp_path / "a", sid="1466.7"
    )
    assert json.loads(adhoc.stdout)["sid"] == "1466.7"


# -- props.conf -------------------------------------------------------------------------------------
def test_source_stanzas_resolve_by_priority_then_ascii_order() -> None:
    props = {"source::...a...": {"sourcetype": "a"}, "source::...z...": {"sourcetype": "z"}}
    assert source_setting(props, "az") == "a"  # the spec's own example
    props["source::...z..."]["priority"] = "10"
    assert source_setting(props, "az") == "z"
    assert source_setting({"source::/x/y.log": {"sourcetype": "lit"}}, "/x/y.log") == "lit"
    assert source_setting(props, "/nothing/here") is None
