"""configs/conf-<file> of one app on the fake splunkd: the app's default/ layered under local/.

Modelled on splunkd's configuration layering and its EAI conf endpoint (docs.splunk.com "Configuration
file precedence"; REST API Reference "configs/conf-{file}"): a stanza reads as default/ merged with
local/, and every stanza inherits the [default] stanza's keys; GET of a missing stanza is 404, creating
one that exists is 409; writes land in local/ only, so an app update (which replaces default/) keeps them.
Writing needs the app's write ACL on the conf (default.meta) or admin_all_objects.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Dict, List, Optional

from .authz import read_conf

Stanzas = Dict[str, Dict[str, str]]


class ConfStore:
    def __init__(self, app_dir: Path) -> None:
        self.default_dir = Path(app_dir) / "default"
        # local[conf][stanza] = settings: what admins wrote (splunkd keeps it in local/<conf>.conf).
        self.local: Dict[str, Stanzas] = {}
        self.lock = threading.RLock()

    def default(self, conf: str) -> Stanzas:
        return read_conf(self.default_dir / f"{conf}.conf")

    def merged(self, conf: str) -> Stanzas:
        with self.lock:
            layers = self.default(conf)
            for stanza, settings in self.local.get(conf, {}).items():
                layers[stanza] = {**layers.get(stanza, {}), **settings}
        base = layers.get("default", {})
        return {name: {**base, **settings} for name, settings in layers.items()}

    def stanza(self, conf: str, name: str) -> Optional[Dict[str, str]]:
        return self.merged(conf).get(name)

    def names(self, conf: str) -> List[str]:
        return list(self.merged(conf))

    def create(self, conf: str, name: str, settings: Dict[str, str]) -> bool:
        """False when the stanza exists already (splunkd answers 409)."""
        with self.lock:
            if name in self.merged(conf):
                return False
            self.local.setdefault(conf, {})[name] = dict(settings)
            return True

    def update(self, conf: str, name: str, settings: Dict[str, str]) -> bool:
        with self.lock:
            if name not in self.merged(conf):
                return False
            self.local.setdefault(conf, {}).setdefault(name, {}).update(settings)
            return True

    def delete(self, conf: str, name: str) -> bool:
        with self.lock:
            if name not in self.merged(conf):
                return False
            self.local.get(conf, {}).pop(name, None)
            return True
