"""ClientConfig: every setting the client needs, built once from the environment, flags or a Splunk account.

Secrets are excluded from repr() and masked by describe(); environment names are MDE_ + the field name.
"""

from __future__ import annotations

import os
import stat
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Dict, Mapping, Optional

from .errors import ConfigurationError
from .redact import mask_url

SECRET_FIELDS = ("client_secret", "client_certificate_password")
SYSTEM_IDENTITY = "system"


@dataclass(frozen=True)
class ClientConfig:
    tenant_id: Optional[str] = None
    client_id: Optional[str] = None
    client_secret: Optional[str] = field(default=None, repr=False)
    client_certificate: Optional[str] = None
    client_certificate_password: Optional[str] = field(default=None, repr=False)
    managed_identity: Optional[str] = None
    cloud: Optional[str] = None
    region: Optional[str] = None
    api_url: Optional[str] = None
    authority_url: Optional[str] = None
    resource: Optional[str] = None
    ca_bundle: Optional[str] = None
    proxy: Optional[str] = None
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_attempts: int = 6
    max_retry_seconds: float = 120.0
    rate_limit_scale: float = 1.0

    @classmethod
    def from_env(
        cls, environ: Optional[Mapping[str, str]] = None, **overrides: Any
    ) -> ClientConfig:
        """Settings from MDE_* variables; non-None overrides (CLI flags) win."""
        env = os.environ if environ is None else environ
        values: Dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(env_name(f.name))
            if raw not in (None, ""):
                values[f.name] = _coerce(f.name, raw, f.default)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def merged(self, **overrides: Any) -> ClientConfig:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def credential_kind(self) -> str:
        """Which sign-in is configured: secret, certificate or managed_identity."""
        kinds = [
            k
            for k, v in (
                ("secret", self.client_secret),
                ("certificate", self.client_certificate),
                ("managed_identity", self.managed_identity),
            )
            if v
        ]
        if len(kinds) != 1:
            found = ", ".join(kinds) or "none"
            raise ConfigurationError(
                "Configure exactly one credential: MDE_CLIENT_SECRET, MDE_CLIENT_CERTIFICATE or "
                f"MDE_MANAGED_IDENTITY (found: {found})."
            )
        return kinds[0]

    def check(self) -> None:
        """Raise ConfigurationError unless the settings can sign in."""
        kind = self.credential_kind
        if kind != "managed_identity":
            missing = [env_name(n) for n in ("tenant_id", "client_id") if not getattr(self, n)]
            if missing:
                raise ConfigurationError(f"Missing setting(s): {', '.join(missing)}.")

    def describe(self) -> Dict[str, Any]:
        """Effective settings with secrets masked, for `check` output and logs."""
        shown = asdict(self)
        for name in SECRET_FIELDS:
            shown[name] = "****** (set)" if shown[name] else None
        if shown["proxy"]:
            shown["proxy"] = mask_url(shown["proxy"])
        return shown


def read_private_file(path: str, what: str) -> bytes:
    """The content of a file holding a secret (a client secret, a private key). On POSIX it must be
    readable by its owner only, and that owner must be us: anything else may have been read or planted."""
    try:
        with open(path, "rb") as fh:
            info = os.fstat(fh.fileno())
            if os.name == "posix":
                if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                    raise ConfigurationError(
                        f"The {what} file {path} is readable by others (mode "
                        f"{stat.S_IMODE(info.st_mode):o}); run: chmod 600 {path}"
                    )
                if info.st_uid != os.getuid():
                    raise ConfigurationError(f"The {what} file {path} belongs to another user.")
            return fh.read()
    except OSError as exc:
        raise ConfigurationError(f"Cannot read the {what} {path}: {exc.strerror}") from None


def env_name(field_name: str) -> str:
    return "MDE_" + field_name.upper()


def _coerce(name: str, raw: str, default: Any) -> Any:
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        try:
            return type(default)(raw)
        except ValueError:
            raise ConfigurationError(f"{env_name(name)} must be a number, got '{raw}'.") from None
    return raw
