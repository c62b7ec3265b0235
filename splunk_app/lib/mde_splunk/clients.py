"""MDE clients kept for the life of the handler process, one per account.

splunkd's persistent-handler server builds a new handler object for every request, so anything kept on
the handler is lost between calls. The client (its msal token cache and its HTTP session) lives here
instead, keyed by account and replaced only when the account's settings or credential change: one
handler process signs in once per account per token lifetime.
"""

from __future__ import annotations

import threading
from typing import Dict, Tuple

from mde_indicators.client import IndicatorsClient
from mde_indicators.config import ClientConfig

_CLIENTS: Dict[str, Tuple[str, IndicatorsClient]] = {}
_LOCK = threading.Lock()


def client_for(account: str, config: ClientConfig, fingerprint: str) -> IndicatorsClient:
    """The process's client for account; a new one when fingerprint (settings and credential) changed."""
    with _LOCK:
        cached = _CLIENTS.get(account)
        if cached is None or cached[0] != fingerprint:
            cached = (fingerprint, IndicatorsClient.from_config(config))
            _CLIENTS[account] = cached
        return cached[1]


def forget(account: str) -> None:
    with _LOCK:
        _CLIENTS.pop(account, None)
