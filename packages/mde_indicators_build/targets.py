"""The bundles this repository builds, each with a build step and a verify step, in order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List

from . import soar, splunk, wheel
from .sentinel import bundle as sentinel


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    build: Callable[[], List[Path]]
    verify: Callable[[List[Path]], None]


TARGETS: List[Target] = [
    Target("wheel", "Python wheel of the core, CLI and emulator", wheel.build, wheel.verify),
    Target("splunk", "Splunk app TA-mde-indicators (.spl)", splunk.build, splunk.verify),
    Target("soar", "Splunk SOAR app (.tgz, with its dependency wheels)", soar.build, soar.verify),
    Target(
        "sentinel",
        "Microsoft Sentinel playbooks and custom connector (ARM templates, readmes, zip)",
        sentinel.build,
        sentinel.verify,
    ),
]
