"""JSON calls to splunkd's REST API over splunklib's binding, with the caller's or the system's session key.

splunklib talks to the local management port the way every Splunk app does; MDE traffic never goes here.
Paths are given unencoded: splunklib percent-encodes them once, and splunkd decodes them once.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import urlsplit

from splunklib import binding

from . import APP

# Control calls (capabilities, settings, credentials) answer in well under a second on a healthy splunkd.
CONTROL_TIMEOUT = 15.0


class SplunkdError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"splunkd answered HTTP {status}: {message}" if status else message)
        self.status = status
        self.message = message


class SplunkdUnavailable(SplunkdError):
    """splunkd could not be reached: connection refused, TLS handshake failed, or no answer in time."""

    def __init__(self, uri: str, reason: str) -> None:
        super().__init__(0, f"Cannot reach splunkd at {uri}: {reason}")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "no answer in time"
    if isinstance(exc, ssl.SSLError):
        return f"TLS handshake failed ({exc.reason or type(exc).__name__})"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200] or type(exc).__name__


def _detail(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")[:300]
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:
        return "; ".join(str(m.get("text", "")) for m in messages)
    if isinstance(data, dict) and "error" in data:
        return str(data["error"])
    return str(data)[:300]


class Splunkd:
    def __init__(
        self,
        uri: str,
        token: str,
        *,
        app: str = APP,
        owner: str = "nobody",
        timeout: float = CONTROL_TIMEOUT,
    ) -> None:
        parts = urlsplit(uri)
        self.uri = uri
        self.token = token
        self.app = app
        self.owner = owner
        self.context = binding.Context(
            handler=binding.handler(timeout=timeout),
            scheme=parts.scheme or "https",
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 8089,
            token=token,
            app=app,
            owner=owner,
            autologin=False,
        )

    def with_timeout(self, timeout: float) -> Splunkd:
        """The same session with another per-call timeout (a long handler call, a deadline)."""
        return Splunkd(self.uri, self.token, app=self.app, owner=self.owner, timeout=timeout)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = getattr(self.context, method)(path, **kwargs)
            body = response.body.read()
        except binding.HTTPError as exc:
            raise SplunkdError(exc.status, _detail(exc.body)) from None
        except (OSError, http.client.HTTPException) as exc:
            raise SplunkdUnavailable(self.uri, _reason(exc)) from None
        return json.loads(body) if body else None

    def get(self, path: str, **query: Any) -> Any:
        return self._call("get", path, output_mode="json", **query)

    def post_json(self, path: str, payload: Any, **query: Any) -> Any:
        return self._call(
            "post",
            path,
            headers=[("Content-Type", "application/json")],
            body=json.dumps(payload),
            output_mode="json",
            **query,
        )

    def post_form(self, path: str, form: Mapping[str, Any]) -> Any:
        return self._call("post", path, body=dict(form), output_mode="json")

    def delete(self, path: str, **query: Any) -> Any:
        return self._call("delete", path, output_mode="json", **query)

    def entries(self, path: str, **query: Any) -> List[Dict[str, Any]]:
        """The entry list of an EAI endpoint (conf stanzas, passwords...), [] when it does not exist."""
        try:
            data = self.get(path, count=-1, **query)
        except SplunkdError as exc:
            if exc.status == 404:
                return []
            raise
        return list((data or {}).get("entry") or [])

    def capabilities(self) -> Dict[str, Any]:
        """User name, roles and capabilities of this session."""
        entry = self.entries("/services/authentication/current-context")
        content: Dict[str, Any] = entry[0].get("content", {}) if entry else {}
        return {
            "user": content.get("username"),
            "roles": list(content.get("roles") or []),
            "capabilities": set(content.get("capabilities") or []),
        }


def content_of(
    entries: List[Dict[str, Any]], name: Optional[str] = None
) -> Optional[Dict[str, Any]]:
    for entry in entries:
        if name is None or entry.get("name") == name:
            return dict(entry.get("content") or {})
    return None
