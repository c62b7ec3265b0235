"""One check per documented limit, run against the client (over HTTPS) and against the emulator.

Each check takes the Model the client and the emulator are built from: the real one in tests/contract,
a copy with one fact planted wrong in test_planted.py. A check fails with a message naming the fact and
its section of the reference, so a wrong schema is reported as the fact it breaks.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Tuple

import requests

from mde_emulator import EmulatorServer
from mde_indicators import odata
from mde_indicators.client import IndicatorsClient
from mde_indicators.errors import ApiError, RateLimited
from mde_indicators.model import Model
from mde_indicators.ops.sync.plan import plan_sync
from mde_indicators.service import IndicatorService
from tests.contract import facts
from tests.contract.facts import RateLimit
from tests.contract.stack import Held, VirtualTime, api, body, calls, client, hashes

# -- rate limits ----------------------------------------------------------------------------------

# The client's public call for each documented endpoint.
CLIENT_CALLS: Dict[Tuple[str, str], Callable[[IndicatorsClient], Any]] = {
    ("POST", "/api/indicators/import"): lambda c: c.import_batch([body()]),
    ("POST", "/api/indicators"): lambda c: c.submit(body()),
    ("GET", "/api/indicators"): lambda c: c.list_page(top=1),
    ("DELETE", "/api/indicators/{id}"): lambda c: c.delete("999999999"),
    ("POST", "/api/indicators/BatchDelete"): lambda c: c.batch_delete(["999999999"]),
}


def spacing(limit: RateLimit) -> float:
    """Seconds between calls: back to back for a per-minute limit; for an hourly one, 2.2 s, so that no
    per-minute limit (at most 30 a minute) binds and 1,500 calls still fit in the hour."""
    return 0.0 if limit.seconds <= 60 else 2.2


def check_client_rate(limit: RateLimit, emulator: EmulatorServer, model: Model) -> None:
    """The client sends exactly `calls` calls within the window, then its budget waits (or refuses)."""
    time = VirtualTime()
    c = client(emulator, model, time, max_retry_seconds=7200.0)
    call = CLIENT_CALLS[(limit.method, limit.path)]
    sent, held = 0, None
    while sent <= limit.calls:
        try:
            call(c)
        except Held as exc:
            held = exc.seconds
            break
        except RateLimited as exc:
            if exc.code != "ClientRateBudget":
                raise
            held = exc.retry_after
            break
        except ApiError:
            pass  # a 404 for an unknown ID still counts against the limit
        sent += 1
        time.now += spacing(limit)
    assert sent == limit.calls and held is not None, (
        f"MDE allows {limit.fact} (mde-indicators-api.md §1, §8); the client sent {sent} "
        f"{limit.method} {limit.path} calls in {limit.seconds}s before waiting"
    )
    # The oldest call leaves the window after this long; the client may keep a margin of a few percent.
    window_left = limit.seconds - spacing(limit) * (limit.calls - 1)
    assert window_left <= held <= window_left + limit.seconds * 0.06, (
        f"after {limit.fact} the client waits {held:.0f}s; the window frees a call in {window_left:.0f}s"
    )


@contextmanager
def documented_limits(emulator: EmulatorServer, time: VirtualTime) -> Iterator[None]:
    limiter = emulator.limiter
    saved = (limiter.scale, limiter.clock)
    limiter.scale, limiter.clock = 1.0, time.clock
    limiter.reset()
    try:
        yield
    finally:
        limiter.scale, limiter.clock = saved
        limiter.reset()


def _emulator_call(session: requests.Session, emulator: EmulatorServer, limit: RateLimit) -> int:
    url = emulator.base_url + limit.path.replace("{id}", "999999999")
    payload: Any = None
    if limit.path.endswith("/import"):
        payload = {facts.IMPORT_BODY_KEY: [body()]}
    elif limit.path.endswith("/BatchDelete"):
        payload = {facts.BATCH_DELETE_BODY_KEY: ["999999999"]}
    elif limit.method == "POST":
        payload = body()
    return session.request(limit.method, url, json=payload, timeout=30).status_code


def check_emulator_rate(limit: RateLimit, emulator: EmulatorServer, model: Model) -> None:
    """The emulator answers `calls` calls within the window and refuses the next with 429."""
    time = VirtualTime()
    session = api(emulator)
    statuses = []
    with documented_limits(emulator, time):
        for _ in range(limit.calls + 1):
            statuses.append(_emulator_call(session, emulator, limit))
            if statuses[-1] == 429:
                break
            time.now += spacing(limit)
    allowed = len(statuses) - (1 if statuses[-1] == 429 else 0)
    assert allowed == limit.calls and statuses[-1] == 429, (
        f"MDE allows {limit.fact} (mde-indicators-api.md §1, §8); the emulator answered {allowed} "
        f"{limit.method} {limit.path} calls before its 429 (last status {statuses[-1]})"
    )


# -- batch sizes, $top, the cap -------------------------------------------------------------------


def check_client_import_batches(emulator: EmulatorServer, model: Model) -> None:
    items = [body(v) for v in hashes(2 * facts.IMPORT_BATCH + 1, "batch")]
    IndicatorService(client(emulator, model, rate_limit_scale=1e6)).import_indicators(items)
    sizes = [e["items"] for e in calls(emulator, "POST", "/api/indicators/import")]
    assert sizes == [facts.IMPORT_BATCH, facts.IMPORT_BATCH, 1], (
        f"MDE takes at most {facts.IMPORT_BATCH} indicators per import (mde-indicators-api.md §2.2); "
        f"the client sent {len(items)} in batches of {sizes}"
    )


def check_emulator_import_batch(emulator: EmulatorServer, model: Model) -> None:
    session = api(emulator)
    url = emulator.base_url + "/api/indicators/import"
    full = session.post(url, json={facts.IMPORT_BODY_KEY: [body(v) for v in hashes(facts.IMPORT_BATCH, "full")]}, timeout=60)  # fmt: skip
    over = session.post(url, json={facts.IMPORT_BODY_KEY: [body(v) for v in hashes(facts.IMPORT_BATCH + 1, "over")]}, timeout=60)  # fmt: skip
    message = facts.MAX_BATCH_MESSAGE.format(
        received=facts.IMPORT_BATCH + 1, allowed=facts.IMPORT_BATCH
    )
    assert (full.status_code, over.status_code) == (200, 400), (
        f"MDE takes at most {facts.IMPORT_BATCH} indicators per import (mde-indicators-api.md §2.2); "
        f"the emulator answered {full.status_code} to {facts.IMPORT_BATCH} and {over.status_code} to one more"
    )
    assert over.json()["error"]["code"] == "MaximumBatchSizeExceeded", over.text
    assert over.json()["error"]["message"] == message, (
        f"§10 MaximumBatchSizeExceeded says {message!r}; the emulator said {over.json()['error']['message']!r}"
    )


def check_client_batch_delete(emulator: EmulatorServer, model: Model) -> None:
    c = client(emulator, model, rate_limit_scale=1e6)
    service = IndicatorService(c)
    results = service.import_indicators(
        [body(v) for v in hashes(facts.BATCH_DELETE_IDS + 1, "del")]
    )
    ids = [r.indicator_id or "" for r in results]
    service.delete_ids(ids)
    sizes = [e["items"] for e in calls(emulator, "POST", "/api/indicators/BatchDelete")]
    assert sizes == [facts.BATCH_DELETE_IDS, 1], (
        f"BatchDelete takes at most {facts.BATCH_DELETE_IDS} IDs (mde-indicators-api.md §2.6); "
        f"the client sent {len(ids)} IDs in calls of {sizes}"
    )


def check_emulator_batch_delete(emulator: EmulatorServer, model: Model) -> None:
    session = api(emulator)
    url = emulator.base_url + "/api/indicators/BatchDelete"
    over = session.post(url, json={facts.BATCH_DELETE_BODY_KEY: [str(n) for n in range(1, facts.BATCH_DELETE_IDS + 2)]}, timeout=30)  # fmt: skip
    full = session.post(url, json={facts.BATCH_DELETE_BODY_KEY: [str(n) for n in range(1, facts.BATCH_DELETE_IDS + 1)]}, timeout=30)  # fmt: skip
    assert (over.status_code, full.status_code) == (400, 404), (
        f"BatchDelete takes at most {facts.BATCH_DELETE_IDS} IDs, 400 beyond (mde-indicators-api.md §2.6); "
        f"the emulator answered {over.status_code} to {facts.BATCH_DELETE_IDS + 1} unknown IDs and "
        f"{full.status_code} (expected 404: not found) to {facts.BATCH_DELETE_IDS}"
    )


def check_client_top(emulator: EmulatorServer, model: Model) -> None:
    emulator.admin(
        "POST", "seed", {"clientId": emulator.env()["MDE_CLIENT_ID"], "count": facts.MAX_TOP + 1}
    )
    listed = sum(1 for _ in client(emulator, model, rate_limit_scale=1e6).iter_indicators())
    pages = [e.get("items") for e in calls(emulator, "GET", "/api/indicators")]
    assert listed == facts.MAX_TOP + 1 and pages == [facts.MAX_TOP, 1], (
        f"MDE's $top is at most {facts.MAX_TOP:,} (mde-indicators-api.md §2.3); listing "
        f"{facts.MAX_TOP + 1:,} indicators took pages of {pages}"
    )


def check_emulator_top(emulator: EmulatorServer, model: Model) -> None:
    session = api(emulator)
    url = emulator.base_url + "/api/indicators"
    at = session.get(url, params={"$top": str(facts.MAX_TOP)}, timeout=30)
    over = session.get(url, params={"$top": str(facts.MAX_TOP + 1)}, timeout=30)
    assert (at.status_code, over.status_code) == (200, 400), (
        f"MDE's $top is at most {facts.MAX_TOP:,} (mde-indicators-api.md §2.3); the emulator answered "
        f"{at.status_code} to $top={facts.MAX_TOP} and {over.status_code} to $top={facts.MAX_TOP + 1}"
    )
    assert over.json()["error"]["code"] == "ODataError", over.text


def _one_slot_left(emulator: EmulatorServer) -> List[Dict[str, Any]]:
    """Seed the tenant to one below the documented cap; two new indicators to add."""
    emulator.admin(
        "POST", "seed", {"clientId": emulator.env()["MDE_CLIENT_ID"], "count": facts.ACTIVE_CAP - 1}
    )
    return [body(v) for v in hashes(2, "cap")]


def check_client_cap(emulator: EmulatorServer, model: Model) -> None:
    """One slot left: the client's sync plan refuses two new indicators and takes one."""
    two = _one_slot_left(emulator)
    service = IndicatorService(client(emulator, model, rate_limit_scale=1e6))
    refused = plan_sync(service, two, application="contract").refusal
    fits = plan_sync(service, two[:1], application="contract").refusal
    assert refused is not None and f"{facts.ACTIVE_CAP:,}" in refused and fits is None, (
        f"MDE holds at most {facts.ACTIVE_CAP:,} active indicators (mde-indicators-api.md §2.1, §8); "
        f"with {facts.ACTIVE_CAP - 1:,} held, the client's sync plan said {refused!r} for two more "
        f"and {fits!r} for one"
    )


def check_emulator_cap(emulator: EmulatorServer, model: Model) -> None:
    """One slot left: an import of two new indicators has the first accepted, the second refused."""
    two = _one_slot_left(emulator)
    answer = api(emulator).post(emulator.base_url + "/api/indicators/import", json={facts.IMPORT_BODY_KEY: two}, timeout=30)  # fmt: skip
    failed = [r["isFailed"] for r in answer.json()["value"]]
    assert failed == [False, True], (
        f"MDE holds at most {facts.ACTIVE_CAP:,} active indicators (mde-indicators-api.md §2.1, §8); with "
        f"{facts.ACTIVE_CAP - 1:,} held, the emulator's import of two new ones gave isFailed {failed}"
    )


# -- filterable fields ----------------------------------------------------------------------------


def sample_filter(field: str) -> str:
    if field in ("rbacGroupNames", "rbacGroupIds"):
        return f"{field}/any(g: g eq 'x')"
    if field in ("expirationTime", "creationTimeDateTimeUtc"):
        return f"{field} ge 2020-01-01T00:00:00Z"
    if field == "generateAlert":
        return "generateAlert eq true"
    return f"{field} eq 'x'"


def check_client_filterable(emulator: EmulatorServer, model: Model) -> None:
    def accepted(field: str) -> bool:
        try:
            odata.eq(field, "x", model)
        except ValueError:
            return False
        return True

    wrong = [f for f in facts.FILTERABLE if not accepted(f)] + [f for f in facts.NOT_FILTERABLE if accepted(f)]  # fmt: skip
    assert wrong == [], (
        f"$filter takes exactly the 13 properties of mde-indicators-api.md §2.3; the client's filter "
        f"builder gets these wrong: {wrong}"
    )


def check_emulator_filterable(emulator: EmulatorServer, model: Model) -> None:
    session = api(emulator)
    url = emulator.base_url + "/api/indicators"
    status = {f: session.get(url, params={"$filter": sample_filter(f)}, timeout=30).status_code for f in facts.FILTERABLE + facts.NOT_FILTERABLE}  # fmt: skip
    wrong = [f for f in facts.FILTERABLE if status[f] != 200] + [f for f in facts.NOT_FILTERABLE if status[f] != 400]  # fmt: skip
    assert wrong == [], (
        f"$filter takes exactly the 13 properties of mde-indicators-api.md §2.3; the emulator gets "
        f"these wrong: {[(f, status[f]) for f in wrong]}"
    )
