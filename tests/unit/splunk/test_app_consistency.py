"""The app's files agree with the schema and with each other (commands, arguments, capabilities)."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest

from mde_indicators_build import splunk
from mde_indicators_build.splunk.render import OUTPUTS, SOURCE
from mde_splunk import caps, spec


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return splunk.stage(tmp_path_factory.mktemp("stage") / splunk.APP)


def conf(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path)
    return parser


def test_generated_files_are_not_committed() -> None:
    for relative in OUTPUTS.values():
        assert not (SOURCE / relative).exists(), relative


def test_every_settable_schema_field_is_an_mdesubmit_argument_in_searchbnf(
    model, staged: Path
) -> None:
    bnf = conf(staged / "default" / "searchbnf.conf")
    syntax = bnf["mdesubmit-command"]["syntax"]
    for field in model.request_fields:
        if field.option and field.name != "indicatorValue":
            assert f"({field.option}=" in syntax and f"({field.option}_field=<field>)?" in syntax
    assert "(action=(" + "|".join(model.current_actions()) + "))?" in syntax
    assert "(severity=(" + "|".join(model.severities) + "))?" in syntax
    assert "(type=(auto|" + "|".join(model.indicator_types) + "))?" in syntax


def test_each_command_has_a_script_a_commands_stanza_and_searchbnf(model, staged: Path) -> None:
    commands = conf(staged / "default" / "commands.conf")
    bnf = conf(staged / "default" / "searchbnf.conf")
    for command in spec.commands(model):
        stanza = commands[command.name]
        assert (staged / "bin" / stanza["filename"]).exists()
        assert stanza["chunked"] == "true" and stanza["python.required"] == "3.13"
        assert f"{command.name}-command" in bnf and bnf[f"{command.name}-command"]["example1"]


def test_capabilities_agree_across_authorize_restmap_and_the_handler(staged: Path) -> None:
    authorize = conf(staged / "default" / "authorize.conf")
    declared = {s.split("::", 1)[1] for s in authorize.sections() if s.startswith("capability::")}
    assert declared == {caps.READ, caps.WRITE, caps.ADMIN}
    assert authorize["role_mde_indicators_submitter"][caps.WRITE] == "enabled"
    assert "list_storage_passwords" not in dict(authorize["role_mde_indicators_submitter"])
    restmap = conf(staged / "default" / "restmap.conf")
    for verb, parts, capability, _ in caps.ROUTES:
        path = "/" + "/".join((caps.ENDPOINT, *parts))
        stanza = next(
            restmap[s] for s in restmap.sections() if path.startswith(restmap[s]["match"])
        )
        assert stanza.get(f"capability.{verb.lower()}", stanza.get("capability")) == capability, (
            path
        )
        assert stanza["passSystemAuth"] == "true" and stanza["python.required"] == "3.13"


def test_bin_scripts_stay_thin(staged: Path) -> None:
    for script in (staged / "bin").glob("*.py"):
        assert len(script.read_text().splitlines()) <= 80, script.name
        assert re.search(r"sys\.path\.insert\(0, .*\"lib\"\)", script.read_text()), script.name


def test_the_alert_forms_spec_and_conf_offer_every_parameter_and_schema_choice(
    model, staged: Path
) -> None:
    from mde_testkit.splunk.authz import read_conf

    spec_conf = read_conf(staged / "README" / "alert_actions.conf.spec")
    actions = conf(staged / "default" / "alert_actions.conf")
    assert set(actions.sections()) == {a.name for a in spec.alert_actions(model)}
    for action in spec.alert_actions(model):
        html = (staged / "default" / "data" / "ui" / "alerts" / f"{action.name}.html").read_text()
        alert = actions[action.name]
        assert alert["payload_format"] == "json" and alert["python.required"] == "3.13"
        assert (staged / "bin" / f"{action.name}.py").exists()
        assert (staged / "appserver" / "static" / alert["icon_path"]).exists()
        assert {f"param.{p.name}" for p in action.params} | {"param._cam"} == set(
            spec_conf[action.name]
        )
        for param in action.params:
            assert f'name="action.{action.name}.param.{param.name}"' in html
            assert f"param.{param.name}" in alert
        for param in action.params:
            for choice in param.choices:
                assert f'<option value="{choice}">' in html
        assert not [a for a, v in model.actions.items() if v.retired and f'value="{a}"' in html]
    submit_form = staged / "default" / "data" / "ui" / "alerts" / "mde_submit_indicator.html"
    for choice in ("auto", *model.indicator_types, *model.current_actions(), *model.severities):
        assert f'<option value="{choice}">' in submit_form.read_text()


def test_each_action_declares_its_adaptive_response_metadata(model, staged: Path) -> None:
    import json

    actions = conf(staged / "default" / "alert_actions.conf")
    families = {t.family for t in model.indicator_types.values()}
    assert families <= set(spec.CAM_SUBJECTS), "every indicator family needs a CAM subject"
    for action in spec.alert_actions(model):
        cam = json.loads(actions[action.name]["param._cam"])
        assert cam == action.cam(model, splunk.APP)
        assert cam["supports_adhoc"] is True
        assert cam["subject"] == sorted({spec.CAM_SUBJECTS[f] for f in families})
        names = {f"param.{p.name}" for p in action.params}
        assert set(cam["required_params"]) <= names and set(cam["field_name_params"]) <= names
        assert cam["field_name_params"] == ["param.indicator_field"]
        view = cam["drilldown_uri"].split("?")[0].split("/")
        assert view[:2] == ["..", splunk.APP]
        assert (staged / "default" / "data" / "ui" / "views" / f"{view[2]}.xml").exists()
        assert (
            'token="sid"'
            in (staged / "default" / "data" / "ui" / "views" / f"{view[2]}.xml").read_text()
        )


def test_the_app_marks_its_indicators_by_tag_not_application_and_removal_is_owned_only(
    staged: Path,
) -> None:
    settings = conf(staged / "default" / "mde_indicators.conf")["settings"]
    # MDE shows `application` to end users in block notifications: the app leaves it empty by default.
    assert settings["application"] == ""
    assert settings["owner_tag"] == "#MDEIndicatorsSplunk"
    assert settings["remove_any_application"] == "false"
    spec_text = (staged / "README" / "mde_indicators.conf.spec").read_text()
    for key in (
        "owner_tag = <string>",
        "application = <string>",
        "remove_any_application = <boolean>",
    ):
        assert key in spec_text


def test_the_outbox_is_scheduled_every_5_minutes_and_its_collection_declared(staged: Path) -> None:
    saved = conf(staged / "default" / "savedsearches.conf")
    (name,) = saved.sections()
    assert saved[name]["search"].strip() == "| mderetry"
    assert saved[name]["cron_schedule"] == "*/5 * * * *" and saved[name]["enableSched"] == "1"
    collections = conf(staged / "default" / "collections.conf")
    assert "mde_indicators_outbox" in collections.sections()


APP_ROLES = ("mde_indicators_reader", "mde_indicators_submitter", "admin", "sc_admin")


def test_the_dashboard_shows_the_app_roles_only_what_they_may_read(staged: Path) -> None:
    """Every index a dashboard search names is searchable by each of the app's roles (never _internal
    for analysts), and every lookup it reads is a KV Store collection those roles may read."""
    from mde_testkit.splunk.authz import Metadata, Roles, read_conf

    roles = Roles(read_conf(staged / "default" / "authorize.conf"))
    meta = Metadata(read_conf(staged / "metadata" / "default.meta"))
    transforms = read_conf(staged / "default" / "transforms.conf")
    view = (
        staged / "default" / "data" / "ui" / "views" / "mde_indicators_overview.xml"
    ).read_text()
    queries = re.findall(r"<query>(.*?)</query>", view, re.S)
    indexes = {i for q in queries for i in re.findall(r"\bindex\s*=\s*\"?([\w*-]+)", q)}
    lookups = {name for q in queries for name in re.findall(r"inputlookup\s+(\w+)", q)}
    assert lookups, "the dashboard reads the app's KV Store lookups"
    for role in APP_ROLES:
        closure = roles.closure([role])
        caps = roles.capabilities([role])
        assert all(roles.can_search([role], i) for i in indexes), (role, indexes)
        assert meta.allows("views", "mde_indicators_overview", "read", closure, caps), role
        for lookup in lookups:
            collection = transforms[lookup]["collection"]
            assert meta.allows("transforms", lookup, "read", closure, caps), (role, lookup)
            assert meta.allows("collections", collection, "read", closure, caps), (role, lookup)
        if role.startswith("mde_"):
            assert not roles.can_search([role], "_internal")
            assert not meta.allows("collections", "mde_indicators_audit", "write", closure, caps)


def test_the_audit_log_gets_its_own_sourcetype(staged: Path) -> None:
    from mde_testkit.splunk.authz import read_conf
    from mde_testkit.splunk.props import source_setting

    props = read_conf(staged / "default" / "props.conf")
    logs = "/opt/splunk/var/log/splunk/"
    assert source_setting(props, logs + "ta_mde_indicators_audit.log") == "mde:indicators:audit"
    assert source_setting(props, logs + "ta_mde_indicators_audit.log.2") == "mde:indicators:audit"
    assert source_setting(props, logs + "ta_mde_indicators_rest.log") == "mde:indicators:log"


def test_splunk_cloud_admins_hold_every_capability_of_the_app(staged: Path) -> None:
    from mde_testkit.splunk.authz import Roles, read_conf

    roles = Roles(read_conf(staged / "default" / "authorize.conf"))
    wanted = {caps.READ, caps.WRITE, caps.ADMIN}
    assert wanted <= roles.capabilities(["sc_admin"]) and wanted <= roles.capabilities(["admin"])


def test_protected_values_live_in_a_kv_store_collection_admins_edit(staged: Path) -> None:
    from mde_testkit.splunk.authz import Metadata, Roles, read_conf

    assert not (staged / "lookups").exists()
    collections = read_conf(staged / "default" / "collections.conf")
    assert {"field.indicator", "field.reason"} <= set(collections["mde_indicators_protected"])
    transforms = read_conf(staged / "default" / "transforms.conf")
    assert transforms["mde_indicators_protected_lookup"]["collection"] == "mde_indicators_protected"
    roles = Roles(read_conf(staged / "default" / "authorize.conf"))
    meta = Metadata(read_conf(staged / "metadata" / "default.meta"))
    for role, may in (("admin", True), ("sc_admin", True), ("mde_indicators_submitter", False)):
        closure, held = roles.closure([role]), roles.capabilities([role])
        assert meta.allows("collections", "mde_indicators_protected", "write", closure, held) is may


def test_setup_page_scripts_change_build_with_every_release(staged: Path) -> None:
    from mde_indicators_build.splunk.render import app_build

    install = conf(staged / "default" / "app.conf")["install"]
    assert install["is_configured"] == "false"
    assert int(install["build"]) == app_build(
        conf(staged / "default" / "app.conf")["launcher"]["version"]
    )
    assert app_build("1.2.3") < app_build("1.2.10") < app_build("1.10.0") < app_build("2.0.0")


def test_the_manifest_declares_the_supported_splunk_versions(staged: Path) -> None:
    import json

    manifest = json.loads((staged / "app.manifest").read_text())
    assert manifest["platformRequirements"]["splunk"]["Enterprise"] == ">=9.3.0"
    assert manifest["info"]["id"]["name"] == splunk.APP
    assert (
        manifest["info"]["id"]["version"]
        == conf(staged / "default" / "app.conf")["launcher"]["version"]
    )
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    assert "Splunk Enterprise 9.3" in readme and "sc_admin" in readme
