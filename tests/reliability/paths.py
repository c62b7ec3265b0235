"""The five write paths of the pack, each driven as its users drive it; each returns {value: final status}."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, Dict, List

from click.testing import CliRunner

from mde_indicators.cli import main
from mde_indicators.config import env_name
from mde_indicators_build.sentinel import SUBMIT_FOR_TRIGGER, playbook
from mde_testkit.logicapps.offline import EmulatorHttp, run_playbook
from mde_testkit.splunk.harness import SplunkHarness

SAMPLE_INCIDENT = Path(__file__).resolve().parents[2] / "samples" / "sentinel-incident.json"
# Client settings every path gets: a short read timeout (so a slow response is a timeout), a bounded retry
# budget, and the rate budget run 60x faster: the suite makes many calls a minute from one long-lived
# Splunk handler, and its subject is faults, not the documented limits (tests/integration covers those).
CLIENT = {
    "read_timeout": "1",
    "max_retry_seconds": "30",
    "max_attempts": "6",
    "rate_limit_scale": "60",
}
_AUDIT = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def _cli(args: List[str], env: Dict[str, str]) -> Dict[str, str]:
    client_env = {env_name(k): v for k, v in CLIENT.items()}
    done = CliRunner().invoke(main, args, env={**env, **client_env}, catch_exceptions=False)
    output = done.stdout if hasattr(done, "stdout") else done.output
    start = output.index("{")
    results = json.loads(output[start:])["results"]
    return {r["value"]: r["status"] for r in results}


def cli_import(values: List[str], env: Dict[str, str], tmp: Path, **_: Any) -> Dict[str, str]:
    path = tmp / "items.jsonl"
    path.write_text(
        "".join(json.dumps({"indicatorValue": v, "action": "Block"}) + "\n" for v in values)
    )
    return _cli(["import", str(path), "--json"], env)


def cli_sync(values: List[str], env: Dict[str, str], tmp: Path, **_: Any) -> Dict[str, str]:
    path = tmp / "feed.txt"
    path.write_text("".join(v + "\n" for v in values))
    return _cli(
        ["sync", str(path), "--application", "reliability", "--action", "Block", "--json"], env
    )


def mdesubmit(
    values: List[str], env: Dict[str, str], tmp: Path, splunk: SplunkHarness, **_: Any
) -> Dict[str, str]:
    run = splunk.run(
        "mdesubmit field=indicator action=Block account=reliability",
        [{"indicator": v} for v in values],
    )
    assert run.returncode == 0, run.errors() or run.stderr[-1000:]
    return {r["indicator"]: r["mde_status"] for r in run.rows}


def alert_action(
    values: List[str], env: Dict[str, str], tmp: Path, splunk: SplunkHarness, **_: Any
) -> Dict[str, str]:
    config = {"indicator_field": "indicator", "action": "Block", "account": "reliability"}
    splunk.alert(config, [{"indicator": v} for v in values])
    statuses: Dict[str, str] = {}
    for line in splunk.logs().splitlines():
        fields = dict(_AUDIT.findall(line))
        if fields.get("source") == "alert" and fields.get("value") in values:
            statuses[fields["value"]] = fields["status"]
    return statuses


def playbook_body(values: List[str], env: Dict[str, str], tmp: Path, **_: Any) -> Dict[str, str]:
    incident = json.loads(SAMPLE_INCIDENT.read_text("utf-8"))
    entities = [
        {
            "id": f"e{i}",
            "kind": "FileHash",
            "properties": {"algorithm": "SHA256", "hashValue": v, "friendlyName": v},
        }
        for i, v in enumerate(values)
    ]
    incident = copy.deepcopy(incident)
    incident["object"]["properties"]["relatedEntities"] = entities
    _, sentinel = run_playbook(
        playbook(SUBMIT_FOR_TRIGGER["incident"]).template, incident, EmulatorHttp(env)
    )
    (comment,) = sentinel.comments
    statuses = {}
    for value, outcome in re.findall(r"<td>([0-9a-f]{64})</td><td>([a-z]+)", comment["message"]):
        statuses[value] = outcome
    return statuses


PATHS = {
    "cli-import": cli_import,
    "sync": cli_sync,
    "mdesubmit": mdesubmit,
    "alert-action": alert_action,
    "playbook": playbook_body,
}
