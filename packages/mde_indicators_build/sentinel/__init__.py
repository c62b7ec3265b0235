"""Microsoft Sentinel bundle: playbooks and custom connector rendered from the schema, validated offline.

`request_body_for(sample)` evaluates a Submit playbook on a sample incident and returns the MDE import body.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from mde_testkit.logicapps.offline import RecordingHttp, load_sample, run_playbook

from .render import Rendered, render_all

SUBMIT_FOR_TRIGGER = {
    "incident": "Submit-MDEIndicators-incident-trigger",
    "alert": "Submit-MDEIndicators-alert-trigger",
    "entity": "Submit-MDEIndicators-entity-trigger",
}


def playbook(name: str) -> Rendered:
    return next(r for r in render_all() if r.name == name)


def request_bodies_for(
    sample: Union[str, Path, Dict[str, Any]],
    trigger: str = "incident",
    parameters: Optional[Dict[str, Any]] = None,
) -> List[Dict[str, Any]]:
    """Every MDE import body the Submit playbook would send for a sample trigger payload (none is sent)."""
    payload = sample if isinstance(sample, dict) else load_sample(sample)
    http = RecordingHttp()
    run_playbook(
        playbook(SUBMIT_FOR_TRIGGER[trigger]).template, payload, http, parameters=parameters
    )
    return [request["body"] for request in http.sent]


def request_body_for(
    sample: Union[str, Path, Dict[str, Any]], trigger: str = "incident", **parameters: Any
) -> Optional[Dict[str, Any]]:
    """The one import body a Submit playbook computes for a sample incident; None when it sends nothing."""
    bodies = request_bodies_for(sample, trigger, parameters or None)
    if len(bodies) > 1:
        raise ValueError(
            f"the sample needs {len(bodies)} import requests; use request_bodies_for()"
        )
    return bodies[0] if bodies else None
