"""The cloud table: API host, sign-in authority and token audience for every cloud and region."""

from __future__ import annotations

import pytest

from mde_indicators.clouds import resolve_endpoints
from mde_indicators.errors import ConfigurationError

TENANT = "00000000-0000-0000-0000-000000000001"


@pytest.mark.parametrize(
    ("cloud", "api", "authority", "scope"),
    [
        (
            None,
            "https://api.security.microsoft.com",
            "https://login.microsoftonline.com",
            "https://api.securitycenter.microsoft.com/.default",
        ),
        (
            "commercial",
            "https://api.security.microsoft.com",
            "https://login.microsoftonline.com",
            "https://api.securitycenter.microsoft.com/.default",
        ),
        (
            "gcc",
            "https://api-gcc.securitycenter.microsoft.us",
            "https://login.microsoftonline.com",
            "https://api-gcc.securitycenter.microsoft.us/.default",
        ),
        (
            "gcc-high",
            "https://api-gov.securitycenter.microsoft.us",
            "https://login.microsoftonline.us",
            "https://api-gov.securitycenter.microsoft.us/.default",
        ),
        (
            "dod",
            "https://api-gov.securitycenter.microsoft.us",
            "https://login.microsoftonline.us",
            "https://api-gov.securitycenter.microsoft.us/.default",
        ),
        (
            "GCC-High",
            "https://api-gov.securitycenter.microsoft.us",
            "https://login.microsoftonline.us",
            "https://api-gov.securitycenter.microsoft.us/.default",
        ),
    ],
)
def test_each_cloud_has_its_hosts_and_audience(
    cloud: str, api: str, authority: str, scope: str
) -> None:
    endpoints = resolve_endpoints(cloud)
    assert endpoints.api_url == api
    assert endpoints.authority(TENANT) == f"{authority}/{TENANT}"
    assert endpoints.scope == scope


@pytest.mark.parametrize("region", ["us", "eu", "uk", "au", "swa", "ina"])
def test_commercial_regions_select_the_regional_host(region: str) -> None:
    endpoints = resolve_endpoints("commercial", region)
    assert endpoints.api_url == f"https://{region}.api.security.microsoft.com"
    assert endpoints.scope == "https://api.securitycenter.microsoft.com/.default"


def test_overrides_win_over_the_table() -> None:
    endpoints = resolve_endpoints(
        "gcc-high", api_url="https://127.0.0.1:8443/", authority_url="https://127.0.0.1:8443"
    )
    assert endpoints.api_url == "https://127.0.0.1:8443"
    assert endpoints.authority(TENANT) == f"https://127.0.0.1:8443/{TENANT}"
    assert endpoints.resource == "https://api-gov.securitycenter.microsoft.us"


@pytest.mark.parametrize(
    ("cloud", "region"), [("azure-china", None), ("gcc", "eu"), ("commercial", "mars")]
)
def test_unknown_clouds_and_regions_are_configuration_errors(cloud: str, region: str) -> None:
    with pytest.raises(ConfigurationError):
        resolve_endpoints(cloud, region)
