"""delete indicators (by ID, BatchDelete in schema-sized chunks) and delete indicators by value (IDs
looked up first). Both honour max_changes: a run that would delete more deletes nothing."""

from collections.abc import Callable

from soar_sdk.abstract import SOARClient
from soar_sdk.action_results import ActionResult
from soar_sdk.exceptions import ActionFailure

from mde_indicators.results import ItemResult
from mde_indicators.service import IndicatorService

from ..asset import Asset
from ..outputs import ItemOutput
from ..params import DeleteByValueParams, DeleteParams
from . import common

Run = Callable[[IndicatorService], list[ItemResult]]


def _run(asset: Asset, dry_run: bool, run: Run) -> list[ItemResult]:
    """Dry runs write nothing and need no lock; real runs hold the asset's write lock."""
    service = common.service(asset)
    if dry_run:
        return run(service)
    with common.writing(asset, dry_run=False):
        return run(service)


def delete_indicators(params: DeleteParams, soar: SOARClient, asset: Asset) -> list[ItemOutput]:
    """Delete indicators by ID (BatchDelete; an unknown ID falls back to single deletes to find it)."""

    def run() -> ActionResult:
        ids = common.split_values(params.indicator_ids)
        if not ids:
            raise ActionFailure("No indicator IDs given.")
        limit = params.max_changes if params.max_changes is not None else asset.max_changes
        results = _run(
            asset,
            params.dry_run,
            lambda s: s.delete_ids(ids, dry_run=params.dry_run, max_changes=limit),
        )
        return common.finish("Delete", params, results)

    return common.failing(run)


def delete_indicators_by_value(
    params: DeleteByValueParams, soar: SOARClient, asset: Asset
) -> list[ItemOutput]:
    """Delete every indicator this application can see with each value (and the type, when given)."""

    def run() -> ActionResult:
        values = common.split_values(params.indicator_values)
        if not values:
            raise ActionFailure("No indicator values given.")
        limit = params.max_changes if params.max_changes is not None else asset.max_changes
        results = _run(
            asset,
            params.dry_run,
            lambda s: s.delete_values(
                values,
                indicator_type=params.indicator_type,
                dry_run=params.dry_run,
                max_changes=limit,
            ),
        )
        return common.finish("Delete by value", params, results)

    return common.failing(run)
