"""Resolve API base URL, sign-in authority and token audience for a cloud (and region) from the schema table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .errors import ConfigurationError
from .model import Model, load_model


@dataclass(frozen=True)
class Endpoints:
    api_url: str
    authority_host: str
    resource: str

    @property
    def scope(self) -> str:
        """The client-credentials scope: the API's resource with /.default."""
        return f"{self.resource}/.default"

    def authority(self, tenant_id: str) -> str:
        return f"{self.authority_host}/{tenant_id}"


def resolve_endpoints(
    cloud: Optional[str] = None,
    region: Optional[str] = None,
    *,
    api_url: Optional[str] = None,
    authority_url: Optional[str] = None,
    resource: Optional[str] = None,
    model: Optional[Model] = None,
) -> Endpoints:
    """Endpoints for a cloud; explicit URLs (e.g. a local emulator) override the table."""
    model = model or load_model()
    name = (cloud or model.default_cloud).strip().lower()
    if name not in model.clouds:
        raise ConfigurationError(
            f"Unknown cloud '{cloud}'; choose one of {', '.join(model.clouds)}."
        )
    entry = model.clouds[name]
    base = entry.api_url
    if region:
        key = region.strip().lower()
        if key not in entry.regions:
            choices = ", ".join(entry.regions) or "none"
            raise ConfigurationError(
                f"Unknown region '{region}' for cloud {name}; regions: {choices}."
            )
        base = entry.regions[key]
    return Endpoints(
        api_url=(api_url or base).rstrip("/"),
        authority_host=(authority_url or entry.authority_host).rstrip("/"),
        resource=(resource or entry.resource).rstrip("/"),
    )
