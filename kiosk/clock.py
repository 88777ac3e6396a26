"""Time in the counter's timezone. Every stored time is aware, in Asia/Ho_Chi_Minh (+07:00)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

#: A replacement for the wall clock (tests that build weeks of history in one process).
_source: Callable[[], datetime] | None = None


def now() -> datetime:
    if _source is not None:
        return to_local(_source())
    return datetime.now(TZ)


def set_source(source: Callable[[], datetime] | None) -> None:
    """Make :func:`now` return ``source()`` (``None``: the wall clock again)."""
    global _source
    _source = source


def to_local(dt: datetime) -> datetime:
    """Attach the counter's zone to a naive time, or convert an aware one to it."""
    return dt.replace(tzinfo=TZ) if dt.tzinfo is None else dt.astimezone(TZ)


def iso(dt: datetime) -> str:
    return to_local(dt).isoformat(timespec="seconds")


def parse_iso(text: str) -> datetime:
    return to_local(datetime.fromisoformat(text))
