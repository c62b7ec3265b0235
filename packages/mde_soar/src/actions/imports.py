"""import indicators (a list and/or a vault file, batches of the schema's size, one result per item) and
sync indicators (a feed file made the truth for the asset's application, --delete-missing semantics)."""

from typing import Any

from soar_sdk.abstract import SOARClient
from soar_sdk.action_results import ActionResult
from soar_sdk.exceptions import ActionFailure

from mde_indicators.ops.sync.apply import apply_sync, plan_results
from mde_indicators.ops.sync.plan import plan_sync

from .. import settings
from ..asset import Asset
from ..outputs import PLAN_KEYS, ItemOutput
from ..params import ImportParams, SyncParams, wire_values
from . import common


def _limit(given: int | None, asset: Asset) -> int:
    return given if given is not None else asset.max_changes


def import_indicators(params: ImportParams, soar: SOARClient, asset: Asset) -> list[ItemOutput]:
    """Validate and import indicators in batches; one result per input item, in input order."""

    def run() -> ActionResult:
        items: list[dict[str, Any]] = common.items_from_text(params.indicators)
        if params.vault_id:
            items += common.items_from_vault(soar, params.vault_id, params.format)
        if not items:
            raise ActionFailure("No indicators given: set indicators, vault_id or both.")
        service = common.service(asset, offline=params.dry_run)
        with common.writing(asset, params.dry_run):
            results = service.import_indicators(
                common.typed(items, params.indicator_type),
                defaults=settings.defaults(asset, common.MODEL, wire_values(params)),
                guard=settings.guardrails(asset),
                max_changes=_limit(params.max_changes, asset),
                dry_run=params.dry_run,
            )
        return common.finish("Import", params, results)

    return common.failing(run)


def sync_indicators(params: SyncParams, soar: SOARClient, asset: Asset) -> list[ItemOutput]:
    """Make the indicators the asset's application owns match a vault file: create, update, change the
    action, and with delete_missing delete what the file no longer lists. Others' indicators stay."""

    def run() -> ActionResult:
        items = common.typed(
            common.items_from_vault(soar, params.vault_id, params.format), params.indicator_type
        )
        service = common.service(asset)
        with common.writing(asset, params.dry_run):
            plan = plan_sync(
                service,
                items,
                application=asset.application,
                defaults=settings.defaults(asset, common.MODEL, wire_values(params)),
                guardrails=settings.guardrails(asset),
                delete_missing=params.delete_missing,
                allow_empty=params.allow_empty,
                max_changes=_limit(params.max_changes, asset),
            )
            planned = plan.summary()
            if params.dry_run or plan.refusal:
                results = plan_results(plan, common.MODEL.fields)
            else:
                results = apply_sync(service, plan)
        summary = {f"plan_{k}": planned.get(k, 0) for k in PLAN_KEYS}
        summary["refused"] = plan.refusal is not None
        note = f"Plan refused, nothing written: {plan.refusal}" if plan.refusal else ""
        return common.finish("Sync", params, results, summary, note, refused=summary["refused"])

    return common.failing(run)
