"""Time in the unit's timezone (``unit.timezone``, Asia/Ho_Chi_Minh by default), whatever the
machine's own TZ: every stored time is aware and written in that zone (+07:00), and every
time a clerk sees is shown in it. The zone is set once per process from the configuration
(:meth:`kiosk.config.Config.load` calls :func:`configure`); never from the machine's clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"
TZ = ZoneInfo(DEFAULT_ZONE)


def zone() -> ZoneInfo:
    """The unit's zone (read at call time: :func:`configure` may have changed it)."""
    return TZ


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def configure(name: str) -> None:
    """Use ``name`` (an IANA zone such as ``Asia/Ho_Chi_Minh``) as the unit's zone."""
    global TZ
    if name and name != TZ.key and valid_zone(name):
        TZ = ZoneInfo(name)

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
    """Attach the unit's zone to a naive time, or convert an aware one to it."""
    return dt.replace(tzinfo=TZ) if dt.tzinfo is None else dt.astimezone(TZ)


def iso(dt: datetime) -> str:
    return to_local(dt).isoformat(timespec="seconds")


def parse_iso(text: str) -> datetime:
    return to_local(datetime.fromisoformat(text))


def clock_text(dt: datetime | None = None) -> str:
    """The header clock: ``16:30  25/11/2026`` in the unit's zone."""
    local = to_local(dt) if dt is not None else now()
    return f"{local:%H:%M}  {local:%d/%m/%Y}"
