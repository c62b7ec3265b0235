"""Profiles hold non-secret settings; secrets come from the environment, a private file or the keyring."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Optional

import keyring
import pytest
from keyring.backend import KeyringBackend

from mde_indicators.errors import ConfigurationError
from mde_indicators.ops.profiles import KEYRING_SERVICE, keyring_user, load_profile

CONFIG = """
default_profile = "prod"

[profiles.prod]
tenant_id = "11111111-1111-1111-1111-111111111111"
client_id = "22222222-2222-2222-2222-222222222222"
cloud = "gcc"
read_timeout = 30
application = "TI-Feed"
protected = ["~/protected.txt"]
max_changes = 500

[profiles.prod.defaults]
action = "Block"
expiration = "30d"
rbac_groups = ["Servers"]

[profiles.lab]
api_url = "https://127.0.0.1:8443"
"""


class MemoryKeyring(KeyringBackend):
    """The OS keyring cannot run here; this backend stands in for it through keyring's own API."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: Dict[tuple, str] = {}

    def get_password(self, service: str, username: str) -> Optional[str]:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def secret_file(tmp_path: Path, mode: int, text: str = "s3cret-from-file\n") -> str:
    path = tmp_path / "secret"
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return str(path)


def test_default_profile_supplies_connection_settings_and_field_defaults(tmp_path: Path) -> None:
    profile = load_profile(path=write(tmp_path, CONFIG), environ={})
    assert profile.name == "prod"
    config = profile.client_config({})
    assert (config.cloud, config.read_timeout) == ("gcc", 30)
    assert profile.settings["application"] == "TI-Feed"
    assert profile.protected_files == [os.path.expanduser("~/protected.txt")]
    assert profile.defaults == {
        "action": "Block",
        "expirationTime": "30d",
        "rbacGroupNames": ["Servers"],
    }


def test_flags_and_environment_win_over_the_profile(tmp_path: Path) -> None:
    profile = load_profile("prod", write(tmp_path, CONFIG), environ={})
    config = profile.client_config({"cloud": "commercial", "tenant_id": None})
    assert config.cloud == "commercial"
    assert config.tenant_id == "11111111-1111-1111-1111-111111111111"


def test_profile_chosen_by_name_or_environment(tmp_path: Path) -> None:
    path = write(tmp_path, CONFIG)
    assert load_profile("lab", path, environ={}).connection == {"api_url": "https://127.0.0.1:8443"}
    assert load_profile(path=path, environ={"MDE_PROFILE": "lab"}).name == "lab"
    with pytest.raises(ConfigurationError, match=r"No profile 'nope'.*lab, prod"):
        load_profile("nope", path, environ={})


def test_no_config_file_gives_an_empty_profile_unless_one_is_asked_for(tmp_path: Path) -> None:
    absent = str(tmp_path / "absent.toml")
    assert load_profile(path=absent, environ={}).name is None
    with pytest.raises(ConfigurationError, match="no config file"):
        load_profile("prod", absent, environ={})


def test_a_secret_in_the_config_file_is_refused(tmp_path: Path) -> None:
    text = CONFIG.replace('cloud = "gcc"', 'client_secret = "oops"')
    with pytest.raises(ConfigurationError, match="secrets never go in the config file") as info:
        load_profile(path=write(tmp_path, text), environ={})
    assert "oops" not in str(info.value)


def test_unknown_settings_are_errors_not_silently_ignored(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="unknown setting 'tennant_id'"):
        load_profile(path=write(tmp_path, CONFIG.replace("tenant_id", "tennant_id")), environ={})
    with pytest.raises(ConfigurationError, match="no indicator field 'colour'"):
        load_profile(path=write(tmp_path, CONFIG.replace("expiration", "colour")), environ={})


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_secret_file_must_be_readable_only_by_its_owner(tmp_path: Path) -> None:
    path = secret_file(tmp_path, 0o644)
    text = CONFIG.replace('cloud = "gcc"', f'client_secret_file = "{path}"')
    with pytest.raises(ConfigurationError, match=r"readable by others.*chmod 600"):
        load_profile(path=write(tmp_path, text), environ={})
    os.chmod(path, 0o600)
    profile = load_profile(path=write(tmp_path, text), environ={})
    assert profile.client_config({}).client_secret == "s3cret-from-file"
    assert profile.secret_sources["client_secret"] == f"file {path}"


def test_secret_file_from_the_environment(tmp_path: Path) -> None:
    path = secret_file(tmp_path, 0o600)
    profile = load_profile(
        path=str(tmp_path / "none.toml"), environ={"MDE_CLIENT_SECRET_FILE": path}
    )
    assert profile.client_config({}).client_secret == "s3cret-from-file"
    assert profile.client_config({"client_secret": "from-env"}).client_secret == "from-env"


def test_keyring_supplies_the_secret_under_the_profile_name(tmp_path: Path) -> None:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        backend.set_password(KEYRING_SERVICE, keyring_user("prod", "client_secret"), "from-keyring")
        text = CONFIG.replace('cloud = "gcc"', "keyring = true")
        profile = load_profile(path=write(tmp_path, text), environ={})
    finally:
        keyring.set_keyring(previous)
    assert profile.client_config({}).client_secret == "from-keyring"
    assert (
        profile.secret_sources["client_secret"] == f"keyring {KEYRING_SERVICE}/prod/client_secret"
    )
