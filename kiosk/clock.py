"""Time in the counter's timezone. Every stored time is aware, in Asia/Ho_Chi_Minh (+07:00)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    return datetime.now(TZ)


def to_local(dt: datetime) -> datetime:
    """Attach the counter's zone to a naive time, or convert an aware one to it."""
    return dt.replace(tzinfo=TZ) if dt.tzinfo is None else dt.astimezone(TZ)


def iso(dt: datetime) -> str:
    return to_local(dt).isoformat(timespec="seconds")


def parse_iso(text: str) -> datetime:
    return to_local(datetime.fromisoformat(text))
