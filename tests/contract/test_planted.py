"""A schema stating a documented fact wrong turns the contract checks red, and the message names the fact.

Each case plants one wrong value in a copy of indicators-1.json (the file itself is never touched), builds
the client and a fresh emulator from that copy, and runs the checks tests/contract runs on the real schema:
the client's check and the emulator's check must each fail, naming the fact. One case per documented limit
(per-minute limits for every endpoint, the hourly one, both batch sizes, $top, the cap), plus the filterable
fields, an error's status, the response key order and the import result's keys, and one limit planted too
strict, since that is as wrong as too lenient.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, List, Sequence, Tuple

import pytest

from mde_emulator import EmulatorServer, Settings
from mde_indicators.client import IndicatorsClient
from mde_indicators.config import ClientConfig
from mde_indicators.model import Model, build_model, load_raw
from tests.contract import checks, facts, wire
from tests.contract.replay import Replay

Check = Callable[["Stack"], None]
pytestmark = (
    pytest.mark.slow
)  # a fresh emulator per plant: about 20 s in all, a proof rather than a loop


@dataclass
class Stack:
    """A client and an emulator built from one (planted) model, and a replay server for the client."""

    model: Model
    emulator: EmulatorServer
    replay: Replay

    def replayed(self) -> IndicatorsClient:
        config = ClientConfig.from_env(self.emulator.env(), api_url=self.replay.url)
        return IndicatorsClient.from_config(config, model=self.model)


def rate(limit: facts.RateLimit) -> Tuple[Check, Check]:
    return (
        lambda s: checks.check_client_rate(limit, s.emulator, s.model),
        lambda s: checks.check_emulator_rate(limit, s.emulator, s.model),
    )


def pair(client: Callable[..., None], emulator: Callable[..., None]) -> Tuple[Check, Check]:
    return (lambda s: client(s.emulator, s.model), lambda s: emulator(s.emulator, s.model))


@dataclass(frozen=True)
class Plant:
    name: str
    path: Tuple[Any, ...]  # where in the schema document
    value: Any
    checks: Sequence[Check]  # every one must fail
    fact: str  # ... with this in its message


PLANTS: List[Plant] = [
    Plant("imports-300-a-minute", ("operations", "ImportIndicators", "rateLimits", 0, "calls"), 300, rate(facts.IMPORTS_A_MINUTE), "30 imports a minute"),
    Plant("imports-3-a-minute", ("operations", "ImportIndicators", "rateLimits", 0, "calls"), 3, rate(facts.IMPORTS_A_MINUTE), "30 imports a minute"),
    Plant("submits-1000-a-minute", ("operations", "SubmitIndicator", "rateLimits", 0, "calls"), 1000, rate(facts.SUBMITS_A_MINUTE), "100 submit calls a minute"),
    Plant("lists-1000-a-minute", ("operations", "ListIndicators", "rateLimits", 0, "calls"), 1000, rate(facts.LISTS_A_MINUTE), "100 list calls a minute"),
    Plant("deletes-1000-a-minute", ("operations", "DeleteIndicator", "rateLimits", 0, "calls"), 1000, rate(facts.DELETES_A_MINUTE), "100 delete calls a minute"),
    Plant("batch-deletes-300-a-minute", ("operations", "BatchDeleteIndicators", "rateLimits", 0, "calls"), 300, rate(facts.BATCH_DELETES_A_MINUTE), "30 BatchDelete calls a minute"),
    Plant("lists-15000-an-hour", ("operations", "ListIndicators", "rateLimits", 1, "calls"), 15000, rate(facts.LISTS_AN_HOUR), "1,500 list calls an hour"),
    Plant("import-batch-5000", ("operations", "ImportIndicators", "batchSize"), 5000, pair(checks.check_client_import_batches, checks.check_emulator_import_batch), "at most 500 indicators per import"),
    Plant("batch-delete-5000-ids", ("operations", "BatchDeleteIndicators", "batchSize"), 5000, pair(checks.check_client_batch_delete, checks.check_emulator_batch_delete), "at most 500 IDs"),
    Plant("top-100000", ("operations", "ListIndicators", "maxTop"), 100_000, pair(checks.check_client_top, checks.check_emulator_top), r"\$top is at most 10,000"),
    Plant("cap-150000", ("limits", "activeIndicatorsPerTenant"), 150_000, pair(checks.check_client_cap, checks.check_emulator_cap), "at most 15,000 active indicators"),
    Plant("description-filterable", ("fields", "description", "filterable"), True, pair(checks.check_client_filterable, checks.check_emulator_filterable), "exactly the 13 properties"),
    Plant("title-not-filterable", ("fields", "title", "filterable"), False, pair(checks.check_client_filterable, checks.check_emulator_filterable), "exactly the 13 properties"),
    Plant("not-found-is-400", ("errors", "ResourceNotFound", "status"), 400, [lambda s: wire.check_emulator_error("ResourceNotFound", s.emulator)], "ResourceNotFound is HTTP 404"),
    Plant("key-order-swapped", ("responseFieldOrder",), "swap", [lambda s: wire.check_emulator_entity(s.emulator, s.model)], "key order"),
    Plant("failure-reason-renamed", ("importResult", "fields", "reason"), "failureMessage", [lambda s: wire.check_client_import_results(s.replay, s.replayed()), lambda s: wire.check_emulator_import_shape(s.emulator, s.model)], "an import result is"),
]  # fmt: skip


def planted_model(plant: Plant) -> Model:
    raw = copy.deepcopy(load_raw())
    *parents, last = plant.path
    target = raw
    for key in parents:
        target = target[key]
    if plant.value == "swap":
        order = target[last]
        order[4], order[5] = order[5], order[4]  # createdBy <-> severity
    else:
        target[last] = plant.value
    return build_model(raw)


@pytest.fixture()
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    model = planted_model(request.param)
    with EmulatorServer(Settings(limits="off"), model=model) as emulator:
        with Replay(emulator.ca, tmp_path) as replay:
            yield Stack(model, emulator, replay)


def case_id(plant: Plant) -> str:
    return plant.name


@pytest.mark.parametrize("stack", PLANTS, indirect=True, ids=case_id)
def test_a_wrong_fact_in_the_schema_fails_the_contract_naming_it(
    stack: Stack, request: pytest.FixtureRequest
) -> None:
    plant: Plant = request.node.callspec.params["stack"]
    for check in plant.checks:  # the client's and the emulator's: each must fail on its own
        stack.emulator.admin("POST", "reset")
        with pytest.raises(AssertionError, match=plant.fact):
            check(stack)
