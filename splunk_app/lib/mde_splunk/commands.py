"""What the search commands share: options from the command table, argument checks, the REST client.

Bad arguments stop the search before the first row, with every problem listed in the job inspector;
so does a splunkd that cannot be reached (one ERROR line, never a traceback).
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, Iterable, List, Optional

from splunklib.searchcommands import Configuration, Option

from mde_indicators.model import load_model
from mde_indicators.validate import parse_bool

from . import logs, spec
from .remote import RemoteApi, RemoteError
from .rows import output
from .spec import arg_problems
from .splunkd import Splunkd, SplunkdError, SplunkdUnavailable
from .stream import Row


def configure(cls: Any, name: str, **settings: Any) -> Any:
    """Give the command class one splunklib Option per argument of the table, then configure it."""
    command = next(c for c in spec.commands(load_model()) if c.name == name)
    for arg in command.args:
        setattr(cls, arg.name, Option(name=arg.name, doc=arg.doc, default=arg.default))
    cls.spec = command
    return Configuration(**settings)(cls)


class MdeCommand:
    """Mixin for the app's commands (class attribute spec is set by configure())."""

    spec: spec.Command

    def values(self) -> Dict[str, Any]:
        """The arguments given, choices in their canonical spelling (action=block -> Block)."""
        given = {}
        for arg in self.spec.args:
            value = getattr(self, arg.name)
            if value is not None:
                canonical = {c.lower(): c for c in arg.choices}
                given[arg.name] = canonical.get(str(value).strip().lower(), value)
        return given

    def flag(self, name: str) -> bool:
        return bool(parse_bool(getattr(self, name) or "false"))

    def log(self) -> Any:
        return logs.get_logger("commands")

    def splunkd(self) -> Splunkd:
        info = self.metadata.searchinfo  # type: ignore[attr-defined]
        return Splunkd(info.splunkd_uri, info.session_key)

    def remote(self) -> RemoteApi:
        return RemoteApi(self.splunkd())

    def context(self) -> Dict[str, Any]:
        info = self.metadata.searchinfo  # type: ignore[attr-defined]
        return {
            "source": self.spec.name,
            "sid": info.sid,
            "search_name": getattr(info, "search_name", None) or "",
        }

    def stop(self, message: str) -> None:
        self.write_error(message)  # type: ignore[attr-defined]
        self.log().error("%s stopped: %s", self.spec.name, message)
        sys.exit(1)

    def check(self, capability: Optional[str]) -> None:
        """Stop unless the arguments are valid and the user holds capability."""
        problems = arg_problems(self.spec.args, self.values())
        if problems:
            self.stop(" ".join(problems))
        if capability:
            try:
                caps = self.splunkd().capabilities()["capabilities"]
            except SplunkdUnavailable as exc:
                self.stop(exc.message)
                return
            except SplunkdError as exc:
                self.stop(f"Cannot read your capabilities from splunkd: {exc.message}")
                return
            if capability not in caps:
                self.stop(
                    f"{self.spec.name} needs the {capability} capability; ask an admin for the app's role."
                )

    def unavailable(self, exc: RemoteError) -> None:
        """Say once, as an ERROR of the search, that splunkd stopped answering; rows carry the reason."""
        if exc.unavailable and not getattr(self, "_said_unavailable", False):
            self._said_unavailable = True
            self.write_error(str(exc))  # type: ignore[attr-defined]

    def guarded(self, send: Callable[[List[Any]], Any]) -> Callable[[List[Any]], Any]:
        def call(payloads: List[Any]) -> Any:
            try:
                return send(payloads)
            except RemoteError as exc:
                self.unavailable(exc)
                raise

        return call

    def stream_buffered(
        self, records: Iterable[Dict[str, Any]], row_of: Callable[[Dict[str, Any]], Row]
    ) -> List[Dict[str, Any]]:
        """Feed this chunk's records to self.buffer; return the rows it releases (all of them at the end)."""
        ready: List[Row] = []
        for record in records:
            ready += self.buffer.add(row_of(record))  # type: ignore[attr-defined]
        if self._finished or self.buffer.overdue():  # type: ignore[attr-defined]
            ready += self.buffer.drain()  # type: ignore[attr-defined]
        local = [i.result for r in ready for i in r.items if i.local and i.result is not None]
        if local and not self.metadata.preview:  # type: ignore[attr-defined]
            operation = "delete" if self.spec.name == "mdedelete" else "import"
            try:
                self.remote().record(operation, local, self.account, self.context())  # type: ignore[attr-defined]
            except RemoteError as exc:
                self.unavailable(exc)
                self.log().warning("results settled here were not audited: %s", exc)
        return output(ready)
