"""MDE's documented limits, pinned as literals, hold for the client and for the emulator alike."""

from __future__ import annotations

import pytest

from mde_emulator import EmulatorServer
from mde_indicators.model import Model
from tests.contract import checks, facts
from tests.contract.facts import RateLimit


def fact(limit: RateLimit) -> str:
    return limit.fact.replace(" ", "-")


@pytest.mark.parametrize("limit", facts.PER_MINUTE, ids=fact)
def test_the_client_keeps_to_each_per_minute_limit(
    limit: RateLimit, emulator: EmulatorServer, model: Model
) -> None:
    checks.check_client_rate(limit, emulator, model)


@pytest.mark.parametrize("limit", facts.PER_MINUTE, ids=fact)
def test_the_emulator_enforces_each_per_minute_limit(
    limit: RateLimit, emulator: EmulatorServer, model: Model
) -> None:
    checks.check_emulator_rate(limit, emulator, model)


@pytest.mark.slow
@pytest.mark.parametrize("limit", facts.PER_HOUR, ids=fact)
def test_the_client_keeps_to_each_hourly_limit(
    limit: RateLimit, emulator: EmulatorServer, model: Model
) -> None:
    checks.check_client_rate(limit, emulator, model)


@pytest.mark.slow
@pytest.mark.parametrize("limit", facts.PER_HOUR, ids=fact)
def test_the_emulator_enforces_each_hourly_limit(
    limit: RateLimit, emulator: EmulatorServer, model: Model
) -> None:
    checks.check_emulator_rate(limit, emulator, model)


def test_the_client_imports_in_batches_of_500(emulator: EmulatorServer, model: Model) -> None:
    checks.check_client_import_batches(emulator, model)


def test_the_emulator_takes_500_indicators_per_import_and_no_more(
    emulator: EmulatorServer, model: Model
) -> None:
    checks.check_emulator_import_batch(emulator, model)


def test_the_client_batch_deletes_500_ids_at_most(emulator: EmulatorServer, model: Model) -> None:
    checks.check_client_batch_delete(emulator, model)


def test_the_emulator_takes_500_ids_per_batch_delete_and_no_more(
    emulator: EmulatorServer, model: Model
) -> None:
    checks.check_emulator_batch_delete(emulator, model)


def test_the_client_pages_with_top_10000(emulator: EmulatorServer, model: Model) -> None:
    checks.check_client_top(emulator, model)


def test_the_emulator_refuses_top_above_10000(emulator: EmulatorServer, model: Model) -> None:
    checks.check_emulator_top(emulator, model)


def test_the_client_plans_within_15000_active_indicators(
    emulator: EmulatorServer, model: Model
) -> None:
    checks.check_client_cap(emulator, model)


def test_the_emulator_stops_at_15000_active_indicators(
    emulator: EmulatorServer, model: Model
) -> None:
    checks.check_emulator_cap(emulator, model)


def test_the_client_filters_on_exactly_the_13_documented_fields(
    emulator: EmulatorServer, model: Model
) -> None:
    checks.check_client_filterable(emulator, model)


def test_the_emulator_filters_on_exactly_the_13_documented_fields(
    emulator: EmulatorServer, model: Model
) -> None:
    checks.check_emulator_filterable(emulator, model)
