"""The fault SPEC grammar and how faults are consumed."""

from __future__ import annotations

import pytest

from mde_emulator.faults import FaultInjector, op_alias, parse_fault
from mde_indicators.model import Model


def test_aliases_derive_from_the_schema_operation_names(model: Model) -> None:
    assert sorted(op_alias(n) for n in model.operations) == [
        "batchdelete",
        "delete",
        "get",
        "import",
        "list",
        "submit",
    ]


def test_parse_reads_every_key(model: Model) -> None:
    fault = parse_fault("import:429,count=3,after=1,retry-after=2.5", model)
    assert (
        fault.target,
        fault.kind,
        fault.count,
        fault.after,
        fault.retry_after,
        fault.status,
    ) == ("import", "429", 3, 1, 2.5, 429)
    assert parse_fault("any:slow,delay=4,count=inf", model).count is None
    assert parse_fault("import:partial,fraction=0.25,seed=3", model).fraction == 0.25


@pytest.mark.parametrize(
    "spec", ["import", "bogus:429", "import:418", "import:429,count=x", "import:429,colour=red"]
)
def test_bad_specs_name_the_problem(model: Model, spec: str) -> None:
    with pytest.raises(ValueError, match="fault"):
        parse_fault(spec, model)


def test_injector_consumes_count_and_skips_after(model: Model) -> None:
    injector = FaultInjector()
    injector.add(parse_fault("list:500,count=2,after=1", model))
    hits = [injector.take("list", is_api=True) is not None for _ in range(4)]
    assert hits == [False, True, True, False]


def test_api_target_matches_indicator_calls_but_not_sign_in(model: Model) -> None:
    injector = FaultInjector()
    injector.add(parse_fault("api:503,count=inf", model))
    assert injector.take("token", is_api=False) is None
    assert injector.take("import", is_api=True) is not None
