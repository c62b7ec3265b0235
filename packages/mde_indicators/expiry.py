"""Expiration times: relative ("30d", "12h", "90m", "2w") or ISO-8601 with an offset, always to UTC, never past."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import NamedTuple, Optional, Tuple

_RELATIVE = re.compile(r"^\+?(\d{1,6})\s*([mhdw])$", re.I)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_NEVER = {"", "never", "none", "null", "0"}


class ExpirationProblem(NamedTuple):
    code: str  # expiration_invalid or expiration_past
    message: str


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def format_utc(moment: datetime) -> str:
    """The wire form MDE documents for expirationTime: YYYY-MM-DDTHH:MM:SSZ."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """Parse ISO-8601 with an offset (Z accepted, 1-9 fraction digits); raise ValueError otherwise."""
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    match = re.match(r"^(.*T\d{2}:\d{2}:\d{2})\.(\d+)(.*)$", value)
    if match:
        # fromisoformat on Python 3.9 takes at most 6 fraction digits; the service writes 7.
        value = f"{match.group(1)}.{match.group(2)[:6].ljust(6, '0')}{match.group(3)}"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("no UTC offset")
    return moment


def relative_duration(text: Optional[str]) -> Optional[timedelta]:
    """The duration of a relative expiration ("30d" -> 30 days); None for ISO times, 'never' or junk."""
    match = _RELATIVE.match(str(text or "").strip())
    if not match:
        return None
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


def parse_expiration(
    text: Optional[str], now: Optional[datetime] = None
) -> Tuple[Optional[str], Optional[ExpirationProblem]]:
    """Return (wire value or None for 'never', the problem or None)."""
    if text is None or str(text).strip().lower() in _NEVER:
        return None, None
    value = str(text).strip()
    now = now or utcnow()
    duration = relative_duration(value)
    if duration is not None:
        if not duration:
            return None, ExpirationProblem(
                "expiration_invalid", "A relative expiration must be at least 1 (e.g. 30d)."
            )
        return format_utc(now + duration), None
    try:
        moment = parse_iso(value)
    except (ValueError, IndexError):
        return None, ExpirationProblem(
            "expiration_invalid",
            f"'{value}' is not an expiration: use a relative time such as 30d, 12h, 2w "
            "or an ISO-8601 time with an offset such as 2030-01-31T00:00:00Z.",
        )
    if moment <= now:
        return None, ExpirationProblem(
            "expiration_past",
            f"The expiration {format_utc(moment)} is in the past (now {format_utc(now)}).",
        )
    return format_utc(moment), None
