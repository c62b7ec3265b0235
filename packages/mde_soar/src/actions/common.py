"""What every action shares: the core service for an asset, inputs from parameters and the vault, the
write lock, and turning per-item results into the action's result (data, summary, message, status).
"""

import contextlib
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from soar_sdk.abstract import SOARClient
from soar_sdk.action_results import ActionResult
from soar_sdk.exceptions import ActionFailure
from soar_sdk.params import Params

from mde_indicators.client import IndicatorsClient
from mde_indicators.errors import MdeIndicatorsError
from mde_indicators.model import Model, load_model
from mde_indicators.ops.inputs.readers import guess_format, read_items, read_json
from mde_indicators.results import ItemResult
from mde_indicators.service import IndicatorService

from .. import lock, outcome, settings
from ..asset import Asset

MODEL: Model = load_model()
_HEAD = 4096


def client(asset: Asset) -> IndicatorsClient:
    return IndicatorsClient.from_config(settings.client_config(asset))


def service(asset: Asset, offline: bool = False) -> IndicatorService:
    """The core service; offline (a dry run of submit or import) needs no sign-in and sends nothing."""
    return IndicatorService(None if offline else client(asset))


def failing(run: Callable[[], Any]) -> Any:
    """Run an action body; the pack's errors end the action as failed with their one-line message."""
    try:
        return run()
    except MdeIndicatorsError as exc:
        raise ActionFailure(str(exc)) from None


@contextlib.contextmanager
def writing(asset: Asset, dry_run: bool) -> Iterator[None]:
    """Hold the write lock of the asset's MDE application (not for dry runs, which write nothing)."""
    if dry_run:
        yield
        return
    key = "|".join(
        str(getattr(asset, n) or "") for n in ("tenant_id", "client_id", "cloud", "api_url")
    )
    with lock.write_lock(key):
        yield


def split_values(text: str | None) -> list[str]:
    """Values one a line; a single line may be comma-separated (SOAR's list parameters)."""
    if not text or not text.strip():
        return []
    lines = [v.strip() for v in text.splitlines() if v.strip()]
    parts = lines if len(lines) > 1 else re.split(r"\s*,\s*", lines[0])
    return [p for p in parts if p]


def items_from_text(text: str | None) -> list[dict[str, Any]]:
    """A JSON list (API field names, or bare values) or a list of values."""
    if text and text.lstrip().startswith(("[", "{")):
        return list(read_json(io.StringIO(text), MODEL))
    return [{"indicatorValue": v} for v in split_values(text)]


def items_from_vault(soar: SOARClient, vault_id: str, fmt: str | None) -> list[dict[str, Any]]:
    """Every item of a vault file; the format comes from the file's name and first characters."""
    found = soar.vault.get_attachment(vault_id=vault_id)
    if not found:
        raise ActionFailure(f"No vault file with ID {vault_id}.")
    attachment = found[0]
    if not fmt:
        with open(attachment.path, encoding="utf-8-sig", errors="replace") as fh:
            fmt = guess_format(attachment.name, fh.read(_HEAD))
    return read_items(attachment.path, fmt, MODEL)


def typed(items: list[dict[str, Any]], indicator_type: str | None) -> list[dict[str, Any]]:
    """Give items without a type the run's type (else the core detects it from each value)."""
    if not indicator_type:
        return items
    return [{**i, "indicatorType": i.get("indicatorType") or indicator_type} for i in items]


def finish(
    verb: str,
    params: Params,
    results: Sequence[ItemResult],
    summary: dict[str, Any] | None = None,
    note: str = "",
    refused: bool = False,
) -> ActionResult:
    """The action result: one data row per item, counts by status; failed when nothing succeeded or the
    run was refused as a whole."""
    ok = outcome.succeeded(results) and not refused
    text = outcome.message(verb, results) + (f" {note}" if note else "")
    result = ActionResult(status=ok, message=text, param=params.model_dump())
    for row in outcome.rows(results):
        result.add_data(row)
    result.set_summary({**outcome.counts(results), **(summary or {})})
    return result


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """An API row as plain JSON data (drops anything that is not)."""
    return json.loads(json.dumps(row, default=str))
