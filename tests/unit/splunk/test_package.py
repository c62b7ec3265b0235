"""Packaging rules of the .spl and the vendored libraries."""

from __future__ import annotations

import re
import tarfile
import zipfile
from pathlib import Path

import pytest

from mde_indicators_build import package, splunk
from mde_indicators_build.splunk import vendor


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = splunk.stage(tmp_path_factory.mktemp("stage") / splunk.APP)
    (root / "local").mkdir()
    (root / "local" / "app.conf").write_text("[install]\nis_configured = true\n")
    (root / "bin" / "__pycache__").mkdir(exist_ok=True)
    (root / "bin" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (root / ".DS_Store").write_bytes(b"\0")
    (root / "lib" / "splunk_sdk-3.0.1.dist-info" / "licenses" / "LICENSE").chmod(0o755)
    return root


def test_the_same_sources_give_the_same_bytes(staged: Path, tmp_path: Path) -> None:
    first = package.build_tgz(staged, tmp_path / "a.spl").read_bytes()
    (staged / "default" / "app.conf").touch()
    second = package.build_tgz(staged, tmp_path / "b.spl").read_bytes()
    assert first == second


def test_no_local_dotfiles_or_compiled_python_and_only_644_and_755(
    staged: Path, tmp_path: Path
) -> None:
    spl = package.build_tgz(staged, tmp_path / "c.spl")
    assert splunk.check_package(spl) == []
    with tarfile.open(spl) as tar:
        names = tar.getnames()
        modes = {m.mode for m in tar.getmembers()}
    assert not [n for n in names if "/local/" in n or "/." in n or n.endswith(".pyc")]
    assert modes == {0o644, 0o755}
    assert f"{splunk.APP}/lib/splunk_sdk-3.0.1.dist-info/METADATA" in names
    core = sorted(
        n.split("/lib/mde_indicators/", 1)[1] for n in names if "/lib/mde_indicators/" in n
    )
    runtime = sorted(p.name for p in splunk.CORE.glob("*.py"))
    # The app vendors the core's top level and data, never a subpackage (the CLI, ops/).
    assert [n for n in core if "/" not in n and n != "data"] == runtime
    assert {n.split("/")[0] for n in core if "/" in n} == {"data"}


def test_vendored_wheels_support_python_39_except_the_splunk_sdk() -> None:
    for wheel in vendor.wheels():
        with zipfile.ZipFile(wheel) as zf:
            metadata = zf.read(
                next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
            ).decode()
        requires = re.search(r"^Requires-Python: (.+)$", metadata, re.M)
        if wheel.name.startswith("splunk_sdk"):
            continue  # declares >=3.13; the integration tests run the built app on 3.9 as well
        assert requires is None or requires.group(1).strip() in (">=3.7", ">=3.8", ">=3.9"), (
            wheel.name
        )
        assert "-none-any.whl" in wheel.name


FLOOR = "3.9"  # Splunk 9.3, the app's floor (app.manifest platformRequirements, README)
COMPILE_ALL = """
import os, sys
bad = []
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith(".py"):
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as fh:
                    compile(fh.read(), path, "exec")
            except SyntaxError as exc:
                bad.append("%s:%s" % (os.path.relpath(path, sys.argv[1]), exc.lineno))
print("\\n".join(bad))
"""


def test_every_vendored_module_parses_on_the_platform_floor(tmp_path: Path) -> None:
    import subprocess

    from mde_testkit.interpreters import find_python

    python = find_python(FLOOR)
    if python is None:
        pytest.skip(f"Python {FLOOR} is not installed (pyenv install {FLOOR})")
    lib = splunk.stage(tmp_path / splunk.APP) / "lib"
    assert not (lib / "splunklib" / "ai").exists()
    done = subprocess.run(
        [python, "-c", COMPILE_ALL, str(lib)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"modules that Python {FLOOR} cannot parse:\n{done.stdout}"
