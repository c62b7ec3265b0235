"""The SOAR app: the asset, test connectivity and the indicator actions, registered with splunk-soar-sdk.

Writes hold SOAR's exclusive per-asset lock (ActionLock) and the app's own (lock.py). Run an action locally
with the SDK's runner: python -m src.app action submit_indicator -p params.json -a asset.json
"""

from soar_sdk.app import App
from soar_sdk.meta.actions import ActionLock

from .actions import connectivity, delete, imports, reads, submit
from .asset import Asset
from .outputs import CountsSummary, ListSummary, SubmitSummary, SyncSummary

APP_ID = "44efe486-aa7a-4a4c-83ca-1bd9ac9260ac"
# How long SOAR lets a write wait for the asset's lock (the largest imports take minutes at MDE's rates).
LOCK = ActionLock(timeout=900)

app = App(
    name="mde_indicators_soar",
    appid=APP_ID,
    app_type="endpoint",
    product_vendor="Microsoft",
    product_name="Defender for Endpoint",
    publisher="mde-indicators",
    logo="logo.svg",
    logo_dark="logo_dark.svg",
    asset_cls=Asset,
    fips_compliant=False,
)

app.test_connectivity()(connectivity.test_connectivity)
app.register_action(
    submit.submit_indicator,
    action_type="contain",
    verbose="Creates the indicator or updates the one with the same value and action; a protected value "
    "(sign-in hosts, public DNS, the asset's list) is never blocked.",
    summary_type=SubmitSummary,
    render_as="table",
    lock=LOCK,
)
app.register_action(
    imports.import_indicators,
    action_type="contain",
    verbose="Items are validated, de-duplicated and guarded, then sent in import calls of at most 500; "
    "every item ends with a status and a reason, in input order.",
    summary_type=CountsSummary,
    render_as="table",
    lock=LOCK,
)
app.register_action(
    imports.sync_indicators,
    action_type="correct",
    verbose="Only indicators whose application is the asset's are ever changed or deleted.",
    summary_type=SyncSummary,
    render_as="table",
    lock=LOCK,
)
app.register_action(
    reads.list_indicators,
    action_type="investigate",
    read_only=True,
    summary_type=ListSummary,
    render_as="table",
)
app.register_action(
    reads.get_indicator, action_type="investigate", read_only=True, render_as="table"
)
app.register_action(
    delete.delete_indicators,
    action_type="correct",
    summary_type=CountsSummary,
    render_as="table",
    lock=LOCK,
)
app.register_action(
    delete.delete_indicators_by_value,
    action_type="correct",
    summary_type=CountsSummary,
    render_as="table",
    lock=LOCK,
)

if __name__ == "__main__":
    app.cli()
