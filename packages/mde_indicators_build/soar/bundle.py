"""Checks of the built SOAR bundle: its manifest's contract (actions, parameters, data paths, asset
fields), its wheels, and an install from those wheels alone that runs an action against an emulator."""

from __future__ import annotations

import json
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence

from mde_testkit.soar.harness import ActionRun, asset_for, clean_env

from .. import wheel

APP = "mde_indicators_soar"
PYTHON_VERSIONS = "3.13,3.15"
# The SDK refuses these; the emulator's server stack and the CLI's feed parser never belong in the app.
NEVER_BUNDLED = (
    "simplejson",
    "django",
    "stix2",
    "werkzeug",
    "cheroot",
    "odata_query",
    "trustme",
    "sly",
)
PARAM_KEYS = ("data_type", "required", "primary", "contains", "value_list", "default", "allow_list")
OUTPUT_KEYS = ("data_path", "data_type", "contains")
ASSET_KEYS = ("data_type", "required", "default", "value_list", "category")


def contract(manifest: Mapping[str, Any]) -> Dict[str, Any]:
    """What playbooks and assets depend on: asset fields, actions, their parameters and data paths."""
    actions = {}
    for action in manifest["actions"]:
        actions[action["identifier"]] = {
            "action": action["action"],
            "type": action["type"],
            "read_only": action["read_only"],
            "lock": action.get("lock"),
            "parameters": {
                name: {k: spec[k] for k in PARAM_KEYS if k in spec}
                for name, spec in action["parameters"].items()
            },
            "output": sorted(
                ({k: o[k] for k in OUTPUT_KEYS if k in o} for o in action["output"]),
                key=lambda o: o["data_path"],
            ),
        }
    configuration = {
        name: {k: spec[k] for k in ASSET_KEYS if k in spec}
        for name, spec in manifest["configuration"].items()
    }
    return {"appid": manifest["appid"], "configuration": configuration, "actions": actions}


def contract_differences(expected: Mapping[str, Any], found: Mapping[str, Any]) -> List[str]:
    """Readable differences, per asset field and per action (empty when equal)."""
    problems = []
    if expected["appid"] != found["appid"]:
        problems.append(f"appid {found['appid']} is not the golden {expected['appid']}")
    for part in ("configuration", "actions"):
        for name in sorted(set(expected[part]) | set(found[part])):
            if expected[part].get(name) != found[part].get(name):
                problems.append(
                    f"{part} {name!r} differs from the golden contract (UPDATE_GOLDEN=1 to accept)"
                )
    return problems


def manifest_problems(manifest: Mapping[str, Any], core_version: str) -> List[str]:
    problems = []
    if manifest.get("app_version") != core_version:
        problems.append(
            f"app_version {manifest.get('app_version')} is not the core's {core_version}"
        )
    if manifest.get("python_version") != PYTHON_VERSIONS:
        problems.append(
            f"python_version {manifest.get('python_version')!r}, expected {PYTHON_VERSIONS!r}"
        )
    if manifest.get("main_module") != "src.app:app":
        problems.append(f"main_module {manifest.get('main_module')!r}")
    secrets = {
        n
        for n, f in manifest["configuration"].items()
        if n.startswith("client_") and n != "client_id"
    }
    for name in sorted(secrets):
        if manifest["configuration"][name]["data_type"] != "password":
            problems.append(f"asset field {name} is not a password (sensitive) field")
    return problems


def listed_wheels(manifest: Mapping[str, Any]) -> List[str]:
    """Every wheel file the manifest names, for each Python and architecture."""
    found = set()
    for key in ("pip313_dependencies", "pip315_dependencies"):
        for dep in manifest.get(key, {}).get("wheel", []):
            found.update(f for f in (dep.get("input_file"), dep.get("input_file_aarch64")) if f)
    return sorted(found)


def member_problems(path: Path, manifest: Mapping[str, Any]) -> List[str]:
    with tarfile.open(path) as tar:
        names = set(tar.getnames())
        core = [
            n for n in names if Path(n).name.startswith("mde_indicators-") and n.endswith(".whl")
        ]
        problems = [f"{n}: outside {APP}/" for n in names if n.split("/")[0] != APP]
        problems += [f"lacks {w}" for w in listed_wheels(manifest) if f"{APP}/{w}" not in names]
        for required in ("src/app.py", "manifest.json", "logo.svg", "logo_dark.svg"):
            if f"{APP}/{required}" not in names:
                problems.append(f"lacks {required}")
        problems += [
            f"bundles {Path(n).name}"
            for n in names
            if n.endswith(".whl") and Path(n).name.split("-")[0].lower() in NEVER_BUNDLED
        ]
        if len(core) != 1:
            problems.append(f"holds {len(core)} core wheels, not one")
        else:
            # Checked in a folder of its own: the bundle's folder (dist/) holds a core wheel of that name.
            with tempfile.TemporaryDirectory() as tmp:
                extracted = Path(tmp) / Path(core[0]).name
                member = tar.extractfile(core[0])
                extracted.write_bytes(member.read() if member else b"")
                problems += [f"core wheel: {p}" for p in wheel.core_problems(extracted)]
    return problems


@dataclass(frozen=True)
class Installed:
    root: Path  # the unpacked bundle, holding the app folder
    python: str  # the fresh venv holding the bundle's wheels

    @property
    def app_dir(self) -> Path:
        return self.root / APP


def unmet_requirements(python: str, left_out: Sequence[str]) -> List[str]:
    """`pip check` findings, less requirements the app's lock leaves out on purpose (override-dependencies)."""
    done = subprocess.run(
        [python, "-m", "pip", "--disable-pip-version-check", "check"],
        capture_output=True, text=True, timeout=300, env=clean_env(),
    )  # fmt: skip
    found = [line for line in done.stdout.splitlines() if line.strip() and "No broken" not in line]
    return [line for line in found if not any(f"requires {name}," in line for name in left_out)]


def install(
    path: Path, work: Path, python313: str, platform_wheels: Path, left_out: Sequence[str] = ()
) -> Installed:
    """Unpack; install the manifest's 3.13 x86_64 wheels with no index (and the platform-provided set,
    which SOAR has and the SDK leaves out) into a fresh venv; their requirements must all be met."""
    root = work / "unpacked"
    root.mkdir(parents=True)
    with tarfile.open(path) as tar:
        tar.extractall(root, filter="data")
    manifest = manifest_of_dir(root / APP)
    wheels = [str(root / APP / d["input_file"]) for d in manifest["pip313_dependencies"]["wheel"]]
    home = work / "venv313"
    subprocess.run([python313, "-m", "venv", str(home)], check=True, timeout=300)
    python = str(home / "bin" / "python")
    pip = [python, "-m", "pip", "--disable-pip-version-check", "-q"]
    local = [*wheels, *map(str, sorted(platform_wheels.glob("*.whl")))]
    done = subprocess.run(
        [*pip, "install", "--no-index", "--no-deps", *local],
        capture_output=True, text=True, timeout=900, env=clean_env(),
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"Installing the bundle's wheels failed:\n{done.stderr[-3000:]}")
    broken = unmet_requirements(python, left_out)
    if broken:
        raise SystemExit("The bundle's wheels do not satisfy each other:\n  " + "\n  ".join(broken))
    return Installed(root, python)


def manifest_of_dir(app_dir: Path) -> Dict[str, Any]:
    return dict(json.loads((app_dir / "manifest.json").read_text()))


def run_sdk_action(
    installed: Installed, action: str, asset: Mapping[str, Any], work: Path
) -> ActionRun:
    """An action as the SDK's own runner runs it: python -m <app>.src.app action … from the bundle."""
    asset_file = work / f"{action}-asset.json"
    asset_file.write_text(json.dumps(dict(asset)))
    asset_file.chmod(0o600)
    done = subprocess.run(
        [installed.python, "-m", f"{APP}.src.app", "action", action, "-a", str(asset_file)],
        cwd=installed.root, env=clean_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    ok = "Action success: True" in done.stdout
    results = [{"status": ok, "message": "", "summary": {}, "data": [], "param": {}}]
    return ActionRun(action, done.returncode, done.stdout, done.stderr, results)


def connectivity_against_emulator(installed: Installed, work: Path) -> ActionRun:
    from mde_emulator import EmulatorServer, Settings

    with EmulatorServer(Settings(limits="off")) as emulator:
        env = emulator.env()
        asset = asset_for(env, Path(env["MDE_CA_BUNDLE"]).read_text())
        return run_sdk_action(installed, "test_connectivity", asset, work)
