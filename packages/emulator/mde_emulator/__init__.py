"""A local emulator of the MDE Indicators API and its sign-in (HTTPS, OAuth, SQLite, limits, faults)."""

from __future__ import annotations

from typing import Any

__all__ = ["EmulatorServer", "Settings"]


def __getattr__(name: str) -> Any:
    # The server stack (werkzeug, cheroot, cryptography) loads on first use, not when the core CLI only
    # lists the emulator verb (mde_emulator.cli) for --help.
    if name in __all__:
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
