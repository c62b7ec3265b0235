"""Named MDE accounts: settings in mde_indicators_accounts.conf, the credential in storage/passwords.

Only the REST handler calls load(); it reads the secret with the system session key and hands back a
ClientConfig, never the secret itself. save() validates every field before anything is written, and
marks the app configured (app.conf [install] is_configured) once an account exists.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import shutil
import tempfile
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from mde_indicators.config import SECRET_FIELDS, ClientConfig, env_name
from mde_indicators.errors import ConfigurationError
from mde_indicators.model import Model

from . import APP, credentials, logs
from .spec import ACCOUNT_FIELDS as CONF_FIELDS
from .spec import CERTIFICATE
from .splunkd import Splunkd, SplunkdError, SplunkdUnavailable, content_of

CONF = "mde_indicators_accounts"
SETTINGS_CONF = "mde_indicators"
REALM = APP
SECRET_KEYS = (*SECRET_FIELDS, CERTIFICATE)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_cert_dir: Optional[str] = None


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigurationError("An account name is 1-64 letters, digits, '-' or '_'.")
    return name


def _certificate_file(pem: str) -> str:
    """The PEM in a private file for msal (0600 in a 0700 folder, removed when the process ends)."""
    global _cert_dir
    if _cert_dir is None:
        _cert_dir = tempfile.mkdtemp(prefix="mde-indicators-")
        atexit.register(shutil.rmtree, _cert_dir, True)
    path = os.path.join(_cert_dir, hashlib.sha256(pem.encode()).hexdigest()[:16] + ".pem")
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(pem)
    return path


def conf_stanza(system: Splunkd, stanza: str) -> Dict[str, Any]:
    """A stanza of the app's mde_indicators.conf ({} when absent)."""
    return content_of(system.entries(f"configs/conf-{SETTINGS_CONF}"), stanza) or {}


def settings(system: Splunkd) -> Dict[str, Any]:
    return conf_stanza(system, "settings")


def names(system: Splunkd) -> List[str]:
    return [e["name"] for e in system.entries(f"configs/conf-{CONF}") if e.get("name") != "default"]


def resolve_name(system: Splunkd, name: Optional[str]) -> str:
    """The account to use: the one named, else the default account, else the only one."""
    if name:
        return check_name(name)
    default = settings(system).get("default_account")
    if default:
        return str(default)
    known = names(system)
    if len(known) == 1:
        return known[0]
    raise ConfigurationError(
        "No account given and no default_account set; configure one on the app's setup page."
    )


def load(system: Splunkd, name: Optional[str]) -> Tuple[str, ClientConfig, str]:
    """(account name, ClientConfig with its credential, fingerprint of both) for a configured account."""
    name = resolve_name(system, name)
    stanza = content_of(system.entries(f"configs/conf-{CONF}/{name}"), name)
    if stanza is None:
        raise ConfigurationError(f"There is no MDE account named '{name}'.")
    secret: Dict[str, str] = {}
    try:
        stored = credentials.read(system, REALM, name)
    except SplunkdUnavailable:
        raise
    except SplunkdError as exc:
        raise ConfigurationError(
            f"Cannot read the credential of account '{name}': {exc.message}"
        ) from None
    if stored:
        secret = json.loads(stored)
    for value in secret.values():
        logs.register_secret(value)
    env = {
        env_name(k): str(v) for k, v in stanza.items() if k in CONF_FIELDS and v not in (None, "")
    }
    env.update({env_name(k): v for k, v in secret.items() if k in SECRET_FIELDS and v})
    if secret.get(CERTIFICATE):
        env[env_name(CERTIFICATE)] = _certificate_file(secret[CERTIFICATE])
    config = ClientConfig.from_env(env)
    config.check()
    digest = hashlib.sha256(json.dumps([stanza, secret], sort_keys=True).encode()).hexdigest()
    return name, config, digest


def describe(system: Splunkd) -> List[Dict[str, Any]]:
    """Every account's settings and which credential it has; never the credential."""
    listed = [e for e in system.entries(f"configs/conf-{CONF}") if e.get("name") != "default"]
    stored = credentials.exists(system, REALM, [e["name"] for e in listed])
    out = []
    for entry in listed:
        content = entry.get("content") or {}
        item = {k: content.get(k) for k in CONF_FIELDS if content.get(k) not in (None, "")}
        item["name"] = entry["name"]
        item["has_credential"] = stored[entry["name"]] or bool(content.get("managed_identity"))
        out.append(item)
    return out


def validate(
    model: Model, form: Mapping[str, Any], *, creating: bool
) -> Tuple[Dict[str, str], Dict[str, str]]:
    """(conf settings, credential) from an admin's form; raise ConfigurationError listing every problem."""
    problems = []
    conf = {k: str(form[k]).strip() for k in CONF_FIELDS if form.get(k) not in (None, "")}
    secret = {k: str(form[k]) for k in SECRET_KEYS if form.get(k) not in (None, "")}
    if "client_id" in conf and not _GUID.match(conf["client_id"]):
        problems.append("client_id must be the application (client) ID, a GUID.")
    cloud = conf.get("cloud", model.default_cloud)
    if cloud not in model.clouds:
        problems.append(f"cloud must be one of {', '.join(model.clouds)}.")
    elif conf.get("region") and conf["region"] not in model.clouds[cloud].regions:
        regions = ", ".join(model.clouds[cloud].regions) or "none"
        problems.append(f"region must be one of {regions} for {cloud}.")
    for key in ("api_url", "authority_url"):
        if key in conf and urlsplit(conf[key]).scheme != "https":
            problems.append(f"{key} must be an https:// URL.")
    if "proxy" in conf:
        proxy = urlsplit(conf["proxy"])
        if proxy.scheme not in ("http", "https") or "@" in proxy.netloc:
            problems.append(
                "proxy must be an http(s)://host:port URL without a user name or password."
            )
    kinds = [k for k in ("client_secret", CERTIFICATE) if k in secret] + (
        ["managed_identity"] if "managed_identity" in conf else []
    )
    if len(kinds) > 1:
        problems.append(
            "Give one credential: client_secret, client_certificate or managed_identity."
        )
    if creating and not kinds:
        problems.append(
            "A new account needs a client_secret, a client_certificate (PEM) or managed_identity."
        )
    if CERTIFICATE in secret and "PRIVATE KEY-----" not in secret[CERTIFICATE]:
        problems.append(
            "client_certificate must be the PEM text of the certificate and its private key."
        )
    if "managed_identity" not in conf and creating:
        problems += [f"{k} is required." for k in ("tenant_id", "client_id") if k not in conf]
    if problems:
        raise ConfigurationError(" ".join(problems))
    return conf, secret


def save(admin: Splunkd, model: Model, form: Mapping[str, Any]) -> Dict[str, Any]:
    """Create or update an account with the admin's own session (splunkd enforces their rights too)."""
    name = check_name(form.get("name"))
    existing = name in names(admin)
    conf, secret = validate(model, form, creating=not existing)
    path = f"configs/conf-{CONF}"
    if existing:
        admin.post_form(f"{path}/{name}", conf)
    else:
        admin.post_form(path, {"name": name, **conf})
    if secret:
        credentials.write(admin, REALM, name, json.dumps(secret))
    return {"name": name, "created": not existing, "credential_updated": bool(secret)}


def mark_configured(system: Splunkd) -> Dict[str, Any]:
    """Set app.conf [install] is_configured and reload the app, as Splunk's setup-page examples do, so
    that Splunk Web stops sending admins to setup; {"configured": bool, "warning"?: splunkd's text}."""
    try:
        system.post_form(f"/servicesNS/nobody/system/apps/local/{APP}", {"configured": "true"})
        system.post_form(f"/servicesNS/nobody/system/apps/local/{APP}/_reload", {})
    except SplunkdError as exc:
        return {"configured": False, "warning": f"The app could not be marked configured: {exc}"}
    return {"configured": True}


def remove(admin: Splunkd, name: str) -> Dict[str, Any]:
    name = check_name(name)
    removed = credentials.delete(admin, REALM, name)
    if name in names(admin):
        admin.delete(f"configs/conf-{CONF}/{name}")
    elif not removed:
        raise ConfigurationError(f"There is no MDE account named '{name}'.")
    return {"name": name, "deleted": True, "credential_removed": bool(removed)}
