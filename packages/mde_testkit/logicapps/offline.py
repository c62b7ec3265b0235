"""Run a rendered playbook offline: deploy its template, feed its trigger a sample payload, and answer its calls.

HTTP actions go to the MDE emulator over real HTTPS with a managed-identity token for the action's
audience (EmulatorHttp), or are only recorded (RecordingHttp); the Sentinel connector is a stand-in.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

import requests

from mde_indicators.model import load_model
from mde_indicators.retry import parse_retry_after

from .arm import deploy
from .definition import Response, RunResult
from .runtime import Runner


@dataclass
class FakeSentinel:
    """The azuresentinel managed connector, as far as the playbooks use it."""

    incident: Optional[Dict[str, Any]] = None  # what "Alert - Get incident" returns
    fail_comments: bool = False
    comments: List[Dict[str, Any]] = field(default_factory=list)
    calls: List[Tuple[str, str]] = field(default_factory=list)

    def __call__(self, connection: str, inputs: Dict[str, Any]) -> Response:
        method, path = inputs["method"].lower(), inputs["path"]
        self.calls.append((method, path))
        if method == "post" and path == "/Incidents/Comment":
            body = inputs.get("body") or {}
            if not body.get("incidentArmId") or not isinstance(body.get("message"), str):
                return Response(
                    400, {"error": {"code": "BadRequest", "message": "Incident Arm id missing"}}
                )
            if self.fail_comments:
                return Response(
                    403,
                    {
                        "error": {
                            "code": "AuthorizationFailed",
                            "message": "no Sentinel Responder role",
                        }
                    },
                )
            self.comments.append(body)
            return Response(200, {"properties": {"message": body["message"]}})
        if method == "get" and path.startswith("/Incidents/subscriptions/") and "/alerts/" in path:
            if self.incident is None:
                return Response(
                    404, {"error": {"code": "NotFound", "message": "The alert has no incident."}}
                )
            return Response(200, self.incident)
        return Response(
            404, {"error": {"code": "NotFound", "message": f"{method} {path} is not emulated"}}
        )


class EmulatorHttp:
    """Http actions against the MDE emulator: the request goes to the emulator's address with the
    cloud's API host in the Host header (so the emulator checks the token's audience for that host),
    and the managed-identity token is fetched from the emulator's identity endpoint for the action's
    audience, as a Logic App does."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.base = env["MDE_API_URL"].rstrip("/")
        self.ca = env["MDE_CA_BUNDLE"]
        self.identity = (env["IDENTITY_ENDPOINT"], env["IDENTITY_HEADER"])
        self.hosts = {c.api_url.rstrip("/") for c in load_model().clouds.values()}
        self.sent: List[Dict[str, Any]] = []

    def token(self, audience: str) -> str:
        endpoint, secret = self.identity
        response = requests.get(
            endpoint,
            params={"resource": audience, "api-version": "2019-08-01"},
            headers={"X-IDENTITY-HEADER": secret},
            verify=self.ca,
            timeout=30,
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token

    def __call__(self, inputs: Dict[str, Any]) -> Response:
        parts = urlsplit(inputs["uri"])
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.hosts:
            return Response(
                599,
                {"error": {"code": "UnknownHost", "message": f"{origin} is not an MDE API host"}},
            )
        auth = inputs.get("authentication") or {}
        headers = dict(inputs.get("headers") or {}, Host=parts.netloc)
        if auth.get("type") == "ManagedServiceIdentity":
            headers["Authorization"] = f"Bearer {self.token(auth['audience'])}"
        self.sent.append(inputs)
        return self._send_with_retries(inputs, parts.path, headers)

    def _send_with_retries(
        self, inputs: Dict[str, Any], path: str, headers: Dict[str, str]
    ) -> Response:
        """The Logic Apps default retry policy for HTTP actions: up to 4 retries on 408, 429, 5xx and
        connection failures, exponential intervals (scaled down here), never before Retry-After."""
        response: Any = None
        for attempt in range(RETRIES + 1):
            try:
                response = requests.request(
                    inputs["method"],
                    self.base + path,
                    params=inputs.get("queries"),
                    json=inputs.get("body"),
                    headers=headers,
                    verify=self.ca,
                    timeout=60,
                )
            except requests.RequestException as exc:
                response = exc
            status = getattr(response, "status_code", None)
            if status is not None and status not in RETRY_STATUSES:
                break
            if attempt < RETRIES:
                time.sleep(_interval(attempt, response))
        if isinstance(response, requests.RequestException):
            message = f"The HTTP request failed: {type(response).__name__}"
            return Response(504, {"error": {"code": "ConnectionFailed", "message": message}})
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = response.text
        return Response(response.status_code, body, dict(response.headers))


RETRIES = 4
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
BASE_INTERVAL = 0.2  # Logic Apps waits about 7.5 s first; scaled down so that tests stay quick


def _interval(attempt: int, response: Any) -> float:
    retry_after = parse_retry_after(getattr(response, "headers", {}).get("Retry-After"))
    return max(retry_after or 0.0, BASE_INTERVAL * 2**attempt)


class RecordingHttp:
    """Http actions that are recorded but never sent (they fail, as an unreachable host would)."""

    def __init__(self) -> None:
        self.sent: List[Dict[str, Any]] = []

    def __call__(self, inputs: Dict[str, Any]) -> Response:
        self.sent.append(inputs)
        return Response(
            503, {"error": {"code": "NotSent", "message": "offline: the request was not sent"}}
        )


def workflow_of(
    template: Mapping[str, Any],
    parameters: Optional[Mapping[str, Any]] = None,
    environment: str = "AzureCloud",
) -> Tuple[Dict[str, Any], Dict[str, Any], str]:
    """(definition, workflow parameter values, workflow name) as Azure would deploy them."""
    deployment = deploy(template, parameters, environment)
    workflow = deployment.resource("Microsoft.Logic/workflows")
    props = workflow["properties"]
    values = {k: v["value"] for k, v in props.get("parameters", {}).items()}
    return props["definition"], values, workflow["name"]


def run_playbook(
    template: Mapping[str, Any],
    trigger_body: Any,
    http: Any,
    sentinel: Optional[FakeSentinel] = None,
    parameters: Optional[Mapping[str, Any]] = None,
    now: Optional[datetime] = None,
    environment: str = "AzureCloud",
) -> Tuple[RunResult, FakeSentinel]:
    definition, values, name = workflow_of(template, parameters, environment)
    sentinel = sentinel or FakeSentinel()
    result = Runner(definition, values, http, sentinel, workflow_name=name, now=now).run(
        trigger_body
    )
    return result, sentinel


def load_sample(path: Any) -> Any:
    return json.loads(Path(path).read_text("utf-8"))
