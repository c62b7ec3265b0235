"""submit indicator: one indicator through POST /api/indicators (created or updated), guarded."""

from soar_sdk.abstract import SOARClient
from soar_sdk.action_results import ActionResult

from mde_indicators.results import ItemResult

from .. import settings
from ..asset import Asset
from ..outputs import ItemOutput
from ..params import SubmitParams, wire_values
from . import common


def submit_indicator(params: SubmitParams, soar: SOARClient, asset: Asset) -> ItemOutput:
    """Submit or update one indicator; a protected value is never blocked."""

    def run() -> ActionResult:
        item = {"indicatorValue": params.indicator_value, "indicatorType": params.indicator_type}
        defaults = settings.defaults(asset, common.MODEL, wire_values(params))
        service = common.service(asset, offline=params.dry_run)
        with common.writing(asset, params.dry_run):
            result: ItemResult = service.submit(
                item, defaults=defaults, guard=settings.guardrails(asset), dry_run=params.dry_run
            )
        return common.finish("Submit", params, [result], {"indicator_id": result.indicator_id})

    return common.failing(run)
