"""The app's REST handler checks the type of every parameter: a wrong type is a 400 that names it, never a
500, and a JSON object sent as an account name never reaches a KV Store query as an operator."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

import requests

from mde_testkit.splunk.harness import SplunkHarness
from tests.reliability.hostile import Figures

FIGURES = Figures("rest-parameters")
_figures = FIGURES.fixture()
BASE = "/services/mde_indicators"
INDICATOR = {"indicatorValue": "e" * 64, "action": "Block"}

# (method, route, query, body): each with one parameter of the wrong type.
CASES: List[Tuple[str, str, Optional[Dict[str, str]], Optional[Dict[str, Any]]]] = [
    ("GET", "indicators", {"top": "ten"}, None),
    ("GET", "indicators", {"skip": "-x"}, None),
    ("POST", "indicators/import", None, {"indicators": [INDICATOR], "dry_run": {"a": 1}}),
    ("POST", "indicators/import", None, {"indicators": [INDICATOR], "queue": [True]}),
    ("POST", "indicators/import", None, {"indicators": [INDICATOR], "context": ["x"]}),
    (
        "POST",
        "indicators/import",
        None,
        {"indicators": [INDICATOR], "context": {"sid": {"$gt": ""}}},
    ),
    ("POST", "indicators/import", None, {"indicators": [INDICATOR], "account": {"$ne": ""}}),
    ("POST", "indicators/import", None, {"indicators": {"0": INDICATOR}}),
    ("POST", "indicators/delete", None, {"values": ["evil.example"], "type": {"$ne": ""}}),
    ("POST", "indicators/delete", None, {"values": [{"v": 1}]}),
    ("POST", "indicators/delete", None, {"ids": [["1"]]}),
    ("POST", "indicators/delete", None, {"values": ["evil.example"], "dry_run": "perhaps"}),
    ("POST", "outbox/retry", None, {"account": {"$ne": ""}}),
    ("POST", "outbox/retry", None, {"max": {"$gt": 1}}),
    ("POST", "outbox/retry", None, {"max": "lots"}),
    ("POST", "accounts", None, {"name": "x", "client_id": {"$ne": ""}}),
]


def call(
    splunk: SplunkHarness, method: str, route: str, query: Any, body: Any
) -> requests.Response:
    splunkd = splunk.splunkd
    user = "admin" if route == "accounts" else "analyst"
    return requests.request(
        method,
        f"{splunkd.uri}{BASE}/{route}",
        params={"output_mode": "json", **(query or {})},
        data=json.dumps(body) if body is not None else None,
        headers={
            "Authorization": f"Splunk {splunkd.token(user)}",
            "Content-Type": "application/json",
        },
        timeout=60,
    )


def test_every_parameter_of_the_wrong_type_is_a_400(splunk: SplunkHarness) -> None:
    # A due outbox entry of another account: an operator passed as the account would deliver it.
    entry = {
        "_key": "k1",
        "account": "someone-else",
        "indicator": json.dumps({**INDICATOR, "indicatorType": "FileSha256"}),
        "value": INDICATOR["indicatorValue"],
        "indicator_type": "FileSha256",
        "state": "pending",
        "attempts": 1,
        "next_attempt": 0,
    }
    splunk.splunkd.kvstore.save("mde_indicators_outbox", entry)
    answers = [call(splunk, *case) for case in CASES]
    statuses = [a.status_code for a in answers]
    assert statuses == [400] * len(CASES), list(zip(statuses, [a.text[:200] for a in answers]))
    assert all(a.json()["messages"][0]["text"] for a in answers)  # splunkd's error shape
    (kept,) = splunk.splunkd.kvstore.docs("mde_indicators_outbox")
    assert {k: v for k, v in kept.items() if k != "_user"} == entry
    FIGURES.add("parameters of the wrong type", attacks=len(CASES), status_500=statuses.count(500))
