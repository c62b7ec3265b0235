"""A local emulator of the MDE Indicators API and its sign-in (HTTPS, OAuth, SQLite, limits, faults)."""

from .server import EmulatorServer, Settings

__all__ = ["EmulatorServer", "Settings"]
