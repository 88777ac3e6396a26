"""A unit's booking settings as the central server keeps them (issue 27, the booking page).

The page citizens book on runs on the central server, which has no settings of its own for a
unit's slots: the counters do (``booking.*``, ``queue.services``, the working calendar). A
counter therefore publishes them (``kiosk booking publish``, and on its first booking call
to the server in each run), and the page computes slots with the same
:class:`~kiosk.citizen.booking_rules.BookingRules` and
:class:`~kiosk.working_time.WorkingCalendar` as the counter. The last counter to publish
wins: all of a unit's counters are configured alike, as for ``queue.services``.

Only what the slot rules read is sent: office hours, the unit's days off and make-up days
from today on (national holidays come with the server's own ``holidays`` table), Saturday
work, the groups' capacities, names and the booking limits.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from kiosk.citizen.booking_rules import BookingRules
from kiosk.clock import now
from kiosk.errors import InvalidInput
from kiosk.i18n import _
from kiosk.working_time import WorkingCalendar

VERSION = 1
GROUP_KEY = re.compile(r"^[A-Z]$")
#: A capacity's key: every day, a weekday, a date (``booking.groups``: A=3, A@T7=2, A@2026-12-24=0).
WHEN_KEY = re.compile(r"^(|T[2-7]|CN|\d{4}-\d{2}-\d{2})$")


def _hhmm(value: time) -> str:
    return f"{value:%H:%M}"


def published(rules: BookingRules, calendar: WorkingCalendar, services: dict[str, str],
              unit_name: str) -> dict[str, Any]:
    """The settings a counter sends to the server (a JSON object)."""
    today = now().date()
    return {
        "version": VERSION, "unit_name": unit_name,
        "groups": {k: services.get(k, k) for k in rules.capacities}, "services": services,
        "capacities": rules.capacities, "slot_minutes": rules.slot_minutes,
        "horizon_days": rules.horizon_days, "release_minutes": rules.release_minutes,
        "checkin_early_minutes": rules.checkin_early_minutes,
        "office_hours": [f"{_hhmm(a)}-{_hhmm(b)}" for a, b in calendar.office_hours],
        "extra_days_off": sorted(d.isoformat() for d in calendar.extra_days_off if d >= today),
        "extra_working_days": sorted(d.isoformat() for d in calendar.extra_working_days
                                     if d >= today),
        "working_saturday": bool(calendar.working_saturday),
    }


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def from_published(data: dict[str, Any]) -> tuple[BookingRules, WorkingCalendar]:
    """The rules and calendar of published settings, or :class:`InvalidInput` for a body
    that is not what :func:`published` makes."""
    try:
        caps = {str(g): {str(k): int(v) for k, v in dict(c).items()}
                for g, c in dict(data["capacities"]).items()}
        rules = BookingRules(caps, int(data["slot_minutes"]), int(data["horizon_days"]),
                             int(data["release_minutes"]), int(data["checkin_early_minutes"]))
        spans = [tuple(_time(p) for p in str(s).split("-")) for s in data["office_hours"]]
        calendar = WorkingCalendar(
            office_hours=[(a, b) for a, b in spans],
            extra_days_off=frozenset(date.fromisoformat(d) for d in data["extra_days_off"]),
            extra_working_days=frozenset(date.fromisoformat(d)
                                         for d in data["extra_working_days"]),
            working_saturday=bool(data["working_saturday"]))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInput(_("Cấu hình đặt hẹn gửi lên không hợp lệ: {error}",
                             error=str(exc))) from None
    keys = [*rules.capacities, *dict(data.get("groups") or {}),
            *dict(data.get("services") or {})]
    when = [k for c in rules.capacities.values() for k in c]
    if not all(GROUP_KEY.match(k) for k in keys) or not all(WHEN_KEY.match(k) for k in when):
        raise InvalidInput(_("Cấu hình đặt hẹn gửi lên không hợp lệ: {error}",
                             error="groups/capacities"))
    if not 5 <= rules.slot_minutes <= 240 or not 0 <= rules.horizon_days <= 366:
        raise InvalidInput(_("Cấu hình đặt hẹn gửi lên không hợp lệ: {error}",
                             error="slot_minutes/horizon_days"))
    return rules, calendar
