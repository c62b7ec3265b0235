"""delete indicators (by ID, BatchDelete in schema-sized chunks) and delete indicators by value (IDs
looked up first). Both honour max_changes: a run that would delete more deletes nothing."""

import dataclasses
from collections.abc import Callable

from soar_sdk.abstract import SOARClient
from soar_sdk.action_results import ActionResult
from soar_sdk.exceptions import ActionFailure

from mde_indicators.results import ItemResult, Status
from mde_indicators.service import IndicatorService

from ..asset import Asset
from ..outputs import ItemOutput
from ..params import DeleteByValueParams, DeleteParams
from . import common

Run = Callable[[IndicatorService, bool], list[ItemResult]]


def _guarded(asset: Asset, limit: int, dry_run: bool, run: Run) -> list[ItemResult]:
    """A dry run first counts what would go; over the limit every item fails and nothing is deleted."""
    service = common.service(asset)
    planned = run(service, True)
    doomed = sum(
        len((r.indicator_id or "").split(",")) for r in planned if r.status is Status.DRY_RUN
    )
    if doomed > limit:
        reason = (
            f"Nothing deleted: {doomed:,} indicators would go, more than max_changes {limit:,}."
        )
        return [
            dataclasses.replace(r, status=Status.FAILED, reason_code="max_changes", reason=reason)
            if r.status is Status.DRY_RUN
            else r
            for r in planned
        ]
    if dry_run:
        return planned
    with common.writing(asset, dry_run=False):
        return run(service, False)


def delete_indicators(params: DeleteParams, soar: SOARClient, asset: Asset) -> list[ItemOutput]:
    """Delete indicators by ID (BatchDelete; an unknown ID falls back to single deletes to find it)."""

    def run() -> ActionResult:
        ids = common.split_values(params.indicator_ids)
        if not ids:
            raise ActionFailure("No indicator IDs given.")
        limit = params.max_changes if params.max_changes is not None else asset.max_changes
        results = _guarded(
            asset, limit, params.dry_run, lambda s, dry: s.delete_ids(ids, dry_run=dry)
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
        results = _guarded(
            asset,
            limit,
            params.dry_run,
            lambda s, dry: s.delete_values(
                values, indicator_type=params.indicator_type, dry_run=dry
            ),
        )
        return common.finish("Delete by value", params, results)

    return common.failing(run)
