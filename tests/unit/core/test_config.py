"""ClientConfig: read from MDE_* variables, exactly one credential, secrets never shown."""

from __future__ import annotations

import pickle

import pytest

from mde_indicators.config import ClientConfig
from mde_indicators.errors import ConfigurationError

SECRET = "canary-SECRET-in-config"


def test_settings_come_from_mde_variables_and_flags_win() -> None:
    env = {
        "MDE_TENANT_ID": "t",
        "MDE_CLIENT_ID": "c",
        "MDE_CLIENT_SECRET": SECRET,
        "MDE_CLOUD": "gcc",
        "MDE_READ_TIMEOUT": "5",
    }
    config = ClientConfig.from_env(env, cloud="dod", region=None)
    assert (config.tenant_id, config.client_id, config.cloud, config.read_timeout) == (
        "t",
        "c",
        "dod",
        5.0,
    )
    assert config.credential_kind == "secret"


def test_numbers_must_be_numbers() -> None:
    with pytest.raises(ConfigurationError, match="MDE_MAX_ATTEMPTS"):
        ClientConfig.from_env({"MDE_MAX_ATTEMPTS": "many"})


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"client_secret": "s", "client_certificate": "c.pem"},
        {"client_secret": "s", "managed_identity": "system"},
    ],
)
def test_exactly_one_credential_is_required(kwargs: dict) -> None:
    with pytest.raises(ConfigurationError, match="exactly one credential"):
        ClientConfig(tenant_id="t", client_id="c", **kwargs).check()


def test_tenant_and_client_are_required_for_an_app_credential() -> None:
    with pytest.raises(ConfigurationError, match="MDE_TENANT_ID"):
        ClientConfig(client_id="c", client_secret="s").check()
    ClientConfig(managed_identity="system").check()


def test_secrets_are_masked_everywhere_they_could_be_shown() -> None:
    config = ClientConfig(
        tenant_id="t", client_id="c", client_secret=SECRET, client_certificate_password=SECRET
    )
    assert SECRET not in repr(config)
    assert SECRET not in str(config.describe())
    assert config.describe()["client_secret"] == "****** (set)"


def test_config_survives_pickling_without_changing() -> None:
    config = ClientConfig(tenant_id="t", client_id="c", client_secret=SECRET)
    assert pickle.loads(pickle.dumps(config)) == config
