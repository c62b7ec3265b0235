"""list indicators (filters escaped by the core's odata module; pages followed up to a limit) and
get indicator."""

from itertools import islice

from soar_sdk.abstract import SOARClient
from soar_sdk.action_results import ActionResult

from mde_indicators import odata

from ..asset import Asset
from ..outputs import IndicatorOutput
from ..params import GetParams, ListParams
from . import common


def list_indicators(params: ListParams, soar: SOARClient, asset: Asset) -> list[IndicatorOutput]:
    """List the indicators this application can see, following pages up to the limit."""

    def run() -> ActionResult:
        model = common.MODEL
        clauses = [
            odata.eq(field, value, model)
            for field, value in (
                ("indicatorType", params.indicator_type),
                ("indicatorValue", params.indicator_value),
                ("action", params.action),
                ("application", params.application),
            )
            if value
        ]
        query = odata.all_of(*clauses, params.filter)
        limit = params.limit if params.limit and params.limit > 0 else None
        found = common.client(asset).iter_indicators(
            query,
            page_size=params.page_size or None,
            max_items=None if limit is None else limit + 1,
        )
        rows = list(islice(found, limit + 1)) if limit is not None else list(found)
        more = limit is not None and len(rows) > limit
        rows = rows[:limit] if limit is not None else rows
        text = f"Listed {len(rows):,} indicator{'s' if len(rows) != 1 else ''}" + (
            f"; more match (limit {limit:,})." if more else "."
        )
        result = ActionResult(status=True, message=text, param=params.model_dump())
        for row in rows:
            result.add_data(common.jsonable(row))
        result.set_summary({"total": len(rows), "limit_reached": more})
        return result

    return common.failing(run)


def get_indicator(params: GetParams, soar: SOARClient, asset: Asset) -> IndicatorOutput:
    """One indicator by ID."""

    def run() -> ActionResult:
        row = common.client(asset).get(params.indicator_id.strip())
        result = ActionResult(
            status=True,
            message=f"Indicator {row.get('id')}: {row.get('indicatorType')} {row.get('indicatorValue')}.",
            param=params.model_dump(),
        )
        result.add_data(common.jsonable(row))
        return result

    return common.failing(run)
