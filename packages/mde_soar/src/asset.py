"""The asset: one MDE app registration in one tenant and cloud, plus the pack's defaults and guardrails.

Secrets are `sensitive` (SOAR stores them encrypted and hides them); PEM text may lose its line breaks in
a password field, which settings.normalise_pem repairs. Choices come from the schema.
"""

from soar_sdk.asset import AssetField, BaseAsset, FieldCategory

from mde_indicators.model import load_model

_MODEL = load_model()
_REGIONS = sorted({r for c in _MODEL.clouds.values() for r in c.regions})


class Asset(BaseAsset):
    tenant_id: str = AssetField(description="Entra ID tenant (directory) ID")
    client_id: str = AssetField(description="Application (client) ID of the app registration")
    client_secret: str | None = AssetField(
        description="Client secret (or give a certificate instead)", sensitive=True
    )
    client_certificate: str | None = AssetField(
        description="Certificate sign-in: PEM text of the certificate and its RSA private key",
        sensitive=True,
    )
    client_certificate_password: str | None = AssetField(
        description="Passphrase of the certificate's private key, if encrypted", sensitive=True
    )
    cloud: str = AssetField(
        description="Microsoft cloud", default=_MODEL.default_cloud, value_list=list(_MODEL.clouds)
    )
    region: str | None = AssetField(
        description="Regional API host (commercial cloud only; empty: the global host)",
        value_list=_REGIONS,
    )
    api_url: str | None = AssetField(
        description="API base URL override (sovereign or test endpoint)"
    )
    authority_url: str | None = AssetField(description="Sign-in host override (with api_url)")
    ca_bundle: str | None = AssetField(
        description="Extra trusted CA, PEM text (a TLS-inspecting proxy); verification is never off"
    )
    application: str = AssetField(
        description="Application name stamped on created indicators; sync owns only these",
        default="Splunk SOAR",
        category=FieldCategory.ACTION,
    )
    default_action: str = AssetField(
        description="Action for items that give none",
        default="Block",
        value_list=list(_MODEL.current_actions()),
        category=FieldCategory.ACTION,
    )
    default_severity: str = AssetField(
        description="Severity for items that give none",
        default="High",
        value_list=list(_MODEL.severities),
        category=FieldCategory.ACTION,
    )
    default_expiration: str = AssetField(
        description="Expiration for items that give none: a duration (30d, 12h) or an ISO time",
        default="30d",
        category=FieldCategory.ACTION,
    )
    max_changes: int = AssetField(
        description="Refuse, sending nothing, a run that would change more indicators than this",
        default=2000,
        category=FieldCategory.ACTION,
    )
    protected_values: str | None = AssetField(
        description="Values never to block, one a line or comma-separated (domains, IPs, CIDRs, hashes)",
        category=FieldCategory.ACTION,
    )
    use_builtin_protected: bool = AssetField(
        description="Also protect the built-in list (sign-in, update and public DNS hosts, empty-file hashes)",
        default=True,
        category=FieldCategory.ACTION,
    )
    connect_timeout: float = AssetField(description="Connect timeout, seconds", default=10.0)
    read_timeout: float = AssetField(description="Read timeout, seconds", default=60.0)
    max_retry_seconds: float = AssetField(
        description="Longest total wait for retries (429 Retry-After, 5xx, resets)", default=120.0
    )
