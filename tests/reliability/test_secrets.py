"""One canary secret through every path that uses a secret: it never shows in logs, outputs, exceptions,
job inspector messages or built bundles; and no code path switches TLS verification off."""

from __future__ import annotations

import json
import logging
import pickle
import re
import shutil
import tarfile
import zipfile
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
from click.testing import CliRunner

from mde_emulator import EmulatorServer
from mde_indicators.cli import main
from mde_indicators.errors import MdeIndicatorsError
from mde_indicators.service import IndicatorService
from mde_indicators_build.paths import ROOT
from mde_testkit.splunk.harness import SplunkHarness, account_settings
from tests.conftest import CANARY_SECRET, make_client

SHA = "c" * 64


@pytest.fixture()
def canary_env(emulator: EmulatorServer) -> Dict[str, str]:
    app = next(a for a in emulator.identity.apps.values() if a.name == "canary-app")
    return emulator.env(app)


def leaks(text: str, token: str = "") -> bool:
    return CANARY_SECRET in text or (bool(token) and token in text)


def test_cli_never_prints_the_secret(canary_env: Dict[str, str], tmp_path: Path) -> None:
    feed = tmp_path / "feed.txt"
    feed.write_text("185.220.101.45\nbad.example\n")
    runs = [
        ["-vv", "import", str(feed), "--action", "Block", "--json"],
        ["-vv", "list", "--json"],
        ["-vv", "submit", "--value", SHA, "--action", "Block"],
        ["-vv", "sync", str(feed), "--application", "canary", "--action", "Block"],
        ["-vv", "check"],
        ["-vv", "delete", "--value", "bad.example"],
    ]
    for args in runs:
        done = CliRunner().invoke(main, args, env=canary_env, catch_exceptions=False)
        assert done.exit_code in (0, 1), (args, done.output)
        assert not leaks(done.output), args
    wrong = CliRunner().invoke(
        main,
        ["-vv", "list"],
        env={**canary_env, "MDE_CLIENT_SECRET": CANARY_SECRET + "-wrong"},
        catch_exceptions=False,
    )
    assert wrong.exit_code == 3 and not leaks(wrong.output)


def test_debug_logs_of_every_library_hold_neither_secret_nor_token(
    canary_env: Dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    client = make_client(canary_env)
    service = IndicatorService(client)
    service.import_indicators([{"indicatorValue": SHA, "action": "Block"}])
    list(client.iter_indicators())
    service.delete_values([SHA])
    token = client.transport.tokens.token()
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    assert caplog.records and not leaks(text, token)


def test_errors_carry_neither_secret_nor_token(canary_env: Dict[str, str]) -> None:
    failures: List[MdeIndicatorsError] = []
    for overrides in (
        {"client_secret": CANARY_SECRET + "x"},
        {"tenant_id": "00000000-0000-0000-0000-000000000000"},
    ):
        try:
            make_client(canary_env, **overrides).list_page()
        except MdeIndicatorsError as exc:
            failures.append(exc)
    config = make_client(canary_env).transport.config
    assert len(failures) == 2
    for exc in failures:
        assert not leaks(
            str(exc)
            + repr(exc)
            + repr(exc.__dict__)
            + repr(pickle.loads(pickle.dumps(exc)).__dict__)
        )
    assert not leaks(repr(config) + json.dumps(config.describe()))


def test_splunk_commands_and_alert_never_show_the_secret(
    splunk: SplunkHarness, canary_env: Dict[str, str]
) -> None:
    splunk.add_account("canary", account_settings(canary_env), {"client_secret": CANARY_SECRET})
    outputs = []
    for search, rows in (
        ("mdesubmit field=v action=Block account=canary", [{"v": SHA}, {"v": "bad"}]),
        ("mdelist account=canary", []),
        ("mdedelete field=v type=FileSha256 account=canary", [{"v": SHA}]),
    ):
        run = splunk.run(search, rows)
        outputs.append(
            json.dumps(run.rows)
            + json.dumps(run.messages)
            + run.stderr
            + json.dumps(run.getinfo)
            + json.dumps(run.replies)
        )
    done = splunk.alert(
        {"indicator_field": "v", "action": "Block", "account": "canary"}, [{"v": SHA}]
    )
    outputs.append(done.stdout + done.stderr)
    wrong_account = {**account_settings(canary_env)}
    splunk.add_account("canary-wrong", wrong_account, {"client_secret": CANARY_SECRET + "-wrong"})
    failed = splunk.run("mdesubmit field=v action=Block account=canary-wrong", [{"v": SHA}])
    outputs.append(json.dumps(failed.rows) + json.dumps(failed.messages) + failed.stderr)
    assert "failed" in json.dumps(failed.rows)
    assert not any(leaks(o) for o in outputs)
    assert not leaks(splunk.logs()) and not leaks(json.dumps(splunk.splunkd.kvstore.collections))


def bundle_texts(path: Path) -> Iterator[Tuple[str, str]]:
    """(name, text) of every file a bundle holds: a folder's files, a .zip's or .whl's entries, a .spl's."""
    if path.is_dir():
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            yield str(f), f.read_text("utf-8", "replace")
    elif path.suffix in (".zip", ".whl"):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                yield f"{path.name}:{name}", zf.read(name).decode("utf-8", "replace")
    else:
        with tarfile.open(path) as tar:
            for m in tar.getmembers():
                if m.isfile():
                    data = tar.extractfile(m).read()  # type: ignore[union-attr]
                    yield f"{path.name}:{m.name}", data.decode("utf-8", "replace")


CONF_SECRET = re.compile(r"(?im)^\s*(client_secret|password)\s*=\s*\S")


def secrets_in(paths: List[Path]) -> List[str]:
    """Where the canary shows, or a .conf/.meta/.spec file sets a secret, in these bundles."""
    found = []
    for path in paths:
        for name, text in bundle_texts(path):
            if leaks(text):
                found.append(f"{name}: the canary secret")
            elif name.endswith((".conf", ".meta", ".spec")) and CONF_SECRET.search(text):
                found.append(f"{name}: a secret setting")
    return found


def every_bundle(bundles: Dict[str, List[Path]]) -> List[Path]:
    return [p for paths in bundles.values() for p in paths]


def test_the_bundles_ci_builds_hold_no_secret(bundles: Dict[str, List[Path]]) -> None:
    texts = [t for p in every_bundle(bundles) for t in bundle_texts(p)]
    assert len(texts) > 100  # wheels, the .spl with its vendored libs, the Sentinel zip and folder
    assert secrets_in(every_bundle(bundles)) == []


def test_the_scan_finds_a_canary_planted_in_a_copy_of_each_bundle(
    bundles: Dict[str, List[Path]], tmp_path: Path
) -> None:
    from tests.bundle.planting import tar_copy, zip_copy

    planted = []
    for path in every_bundle(bundles):
        if path.suffix in (".zip", ".whl"):
            planted.append(
                zip_copy(path, tmp_path / path.name, add={"x/leak.txt": CANARY_SECRET.encode()})
            )
        elif path.suffix == ".spl":
            planted.append(
                tar_copy(
                    path, tmp_path / path.name, add={"app/lib/leak.py": CANARY_SECRET.encode()}
                )
            )
    assert sorted(secrets_in(planted)) == sorted(
        f"{p.name}:{'x/leak.txt' if p.suffix != '.spl' else 'app/lib/leak.py'}: the canary secret"
        for p in planted
    )  # fmt: skip
    assert len(planted) == 4  # two wheels, the .spl, the Sentinel zip


def test_the_build_drops_secrets_left_in_the_app_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A developer's local/ settings, .env, local.meta or bytecode never reach the package."""
    from mde_indicators_build import package, splunk
    from mde_indicators_build.splunk import render

    source = tmp_path / "splunk_app"
    shutil.copytree(render.SOURCE, source, ignore=shutil.ignore_patterns("__pycache__"))
    for name, text in {
        "local/mde_indicators_accounts.conf": f"[prod]\nclient_secret = {CANARY_SECRET}\n",
        ".env": f"MDE_CLIENT_SECRET={CANARY_SECRET}\n",
        "metadata/local.meta": f"# {CANARY_SECRET}\n",
        "bin/__pycache__/mdesubmit.cpython-39.pyc": CANARY_SECRET,
    }.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    assert len(secrets_in([source])) == 4  # the scan sees every planted copy before the build
    monkeypatch.setattr(render, "SOURCE", source)
    staged = splunk.stage(tmp_path / "stage" / splunk.APP)
    spl = package.build_tgz(staged, tmp_path / "app.spl")
    assert secrets_in([spl]) == []


TLS_OFF = re.compile(
    r"verify\s*=\s*False|CERT_NONE|check_hostname\s*=\s*False|_create_unverified_context|disable_warnings|InsecureRequestWarning|PYTHONHTTPSVERIFY"
)


def test_no_code_path_switches_tls_verification_off() -> None:
    sources = [
        p
        for base in ("packages", "splunk_app/bin", "splunk_app/lib", "sentinel_playbooks")
        for p in (ROOT / base).rglob("*")
        if p.suffix in (".py", ".j2", ".json", ".conf", ".js", ".xml")
        # hidden folders hold third-party code (the SOAR app's .venv), not the pack's
        and not any(part.startswith(".") for part in p.relative_to(ROOT).parts)
    ]
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in sources
        for n, line in enumerate(p.read_text("utf-8", "replace").splitlines(), 1)
        if TLS_OFF.search(line)
    ]
    assert len(sources) > 50 and offenders == []


def test_an_untrusted_certificate_fails_in_splunk_too(
    splunk: SplunkHarness, canary_env: Dict[str, str]
) -> None:
    settings = {k: v for k, v in account_settings(canary_env).items() if k != "ca_bundle"}
    splunk.add_account("no-ca", settings, {"client_secret": CANARY_SECRET})
    run = splunk.run("mdesubmit field=v action=Block account=no-ca", [{"v": SHA}])
    (row,) = run.rows
    assert row["mde_status"] == "failed" and re.search(r"(?i)tls|certificate", row["mde_error"])
