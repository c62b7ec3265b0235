"""Named profiles of non-secret settings in a TOML file; secrets come from the environment, a file only the
user can read, or the OS keyring — never from the profile file itself.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from ..config import SECRET_FIELDS, ClientConfig, env_name, read_private_file
from ..errors import ConfigurationError
from ..model import Model, load_model

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.9/3.10 only
    import tomli as tomllib

CONFIG_ENV = "MDE_INDICATORS_CONFIG"
PROFILE_ENV = "MDE_PROFILE"
KEYRING_SERVICE = "mde-indicators"
SETTINGS = {
    "application": str,
    "protected": list,
    "builtin_protected": bool,
    "max_changes": int,
    "prioritise": str,
}


def default_path(environ: Optional[Mapping[str, str]] = None) -> str:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return env.get(CONFIG_ENV) or os.path.join(base, "mde-indicators", "config.toml")


@dataclass
class Profile:
    """One profile's settings: connection (ClientConfig fields), secrets, pack settings, field defaults."""

    name: Optional[str] = None
    path: Optional[str] = None
    connection: Dict[str, Any] = field(default_factory=dict)
    secrets: Dict[str, str] = field(default_factory=dict, repr=False)
    secret_sources: Dict[str, str] = field(default_factory=dict)
    settings: Dict[str, Any] = field(default_factory=dict)
    defaults: Dict[str, Any] = field(default_factory=dict)

    def client_config(self, overrides: Mapping[str, Any]) -> ClientConfig:
        """Flags and MDE_* variables (overrides) win over the profile; secrets fill what is still unset."""
        names = {f.name for f in dataclasses.fields(ClientConfig)}
        values = {**self.connection, **self.secrets}
        values.update({k: v for k, v in overrides.items() if k in names and v is not None})
        return ClientConfig(**values)

    @property
    def protected_files(self) -> List[str]:
        files = self.settings.get("protected") or []
        return [os.path.expanduser(str(f)) for f in ([files] if isinstance(files, str) else files)]


def load_profile(
    name: Optional[str] = None,
    path: Optional[str] = None,
    *,
    environ: Optional[Mapping[str, str]] = None,
    model: Optional[Model] = None,
) -> Profile:
    """The named profile (or the file's default_profile); an empty profile when there is no file."""
    env = os.environ if environ is None else environ
    path = path or default_path(env)
    name = name or env.get(PROFILE_ENV) or None
    if not os.path.exists(path):
        if name:
            raise ConfigurationError(
                f"Profile {name!r} asked for, but there is no config file {path}."
            )
        return _with_secret_files(Profile(), env)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"Cannot read the config file {path}: {exc}") from None
    profiles = data.get("profiles") or {}
    name = name or data.get("default_profile")
    if not name:
        return _with_secret_files(Profile(path=path), env)
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigurationError(f"No profile {name!r} in {path} (profiles: {known}).")
    profile = _parse(name, path, dict(profiles[name]), model or load_model())
    return _with_secret_files(profile, env)


def _parse(name: str, path: str, raw: Dict[str, Any], model: Model) -> Profile:
    where = f"profile {name!r} in {path}"
    connection_fields = {f.name for f in dataclasses.fields(ClientConfig)} - set(SECRET_FIELDS)
    secret_keys = {f"{s}_file": s for s in SECRET_FIELDS}
    profile = Profile(name=name, path=path)
    defaults = raw.pop("defaults", {}) or {}
    use_keyring = bool(raw.pop("keyring", False))
    for key, value in raw.items():
        if key in SECRET_FIELDS:
            raise ConfigurationError(
                f"{where} holds {key}: secrets never go in the config file. Use {env_name(key)}, "
                f"{key}_file = PATH (readable only by you) or keyring = true."
            )
        if key in connection_fields:
            profile.connection[key] = value
        elif key in secret_keys:
            secret = secret_keys[key]
            profile.secrets[secret] = read_secret_file(os.path.expanduser(str(value)))
            profile.secret_sources[secret] = f"file {value}"
        elif key in SETTINGS:
            profile.settings[key] = value
        else:
            allowed = sorted(
                connection_fields | set(secret_keys) | set(SETTINGS) | {"keyring", "defaults"}
            )
            raise ConfigurationError(
                f"{where}: unknown setting {key!r}; known: {', '.join(allowed)}."
            )
    for option, value in defaults.items():
        try:
            profile.defaults[model.field_by_option(option).name] = value
        except KeyError:
            raise ConfigurationError(
                f"{where}: [defaults] has no indicator field {option!r}."
            ) from None
    if use_keyring:
        _from_keyring(profile)
    return profile


def read_secret_file(path: str) -> str:
    """A secret from a file that only its owner can read; group- or world-readable files are refused."""
    try:
        secret = read_private_file(path, "secret").decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ConfigurationError(f"The secret file {path} is not UTF-8 text.") from None
    if not secret:
        raise ConfigurationError(f"The secret file {path} is empty.")
    return secret


def _with_secret_files(profile: Profile, env: Mapping[str, str]) -> Profile:
    """MDE_CLIENT_SECRET_FILE and friends (e.g. a systemd credential) when the profile names none."""
    for secret in SECRET_FIELDS:
        path = env.get(env_name(secret) + "_FILE")
        if path and secret not in profile.secrets:
            profile.secrets[secret] = read_secret_file(path)
            profile.secret_sources[secret] = f"file {path}"
    return profile


def keyring_user(profile: str, secret: str) -> str:
    return f"{profile}/{secret}"


def _from_keyring(profile: Profile) -> None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        raise ConfigurationError(
            f"Profile {profile.name!r} uses the OS keyring; install it with: pip install keyring"
        ) from None
    for secret in SECRET_FIELDS:
        if secret in profile.secrets:
            continue
        user = keyring_user(str(profile.name), secret)
        try:
            value = keyring.get_password(KEYRING_SERVICE, user)
        except KeyringError as exc:
            raise ConfigurationError(f"The OS keyring cannot be read: {exc}") from None
        if value:
            profile.secrets[secret] = value
            profile.secret_sources[secret] = f"keyring {KEYRING_SERVICE}/{user}"
