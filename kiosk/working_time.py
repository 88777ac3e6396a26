"""The working-time calendar that gives every dossier its legal due time.

Rules (DOMAIN.md §5), all configurable: office hours (default 07:00–11:30 and 13:30–17:00),
Monday–Friday, Vietnam's public holidays and make-up working days from the ``holidays``
package, plus an override table (``assets/calendar/overrides.json`` and config). A working day
is the length of one day's office hours (8 hours by default); reception outside office hours
starts at the next opening; a due time that lands exactly on a closing time stays there;
same-day procedures are due at that day's closing if received before the cut-off (15:00), else
at the closing of the next working day; time paused for a supplement does not count.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from kiosk import paths
from kiosk.clock import to_local, zone
from kiosk.config import Config
from kiosk.errors import ConfigError, InvalidInput
from kiosk.i18n import _
from kiosk.processing_time import ProcessingTime
from kiosk.vn_holidays import VietnamHolidays

OVERRIDES_FILE = paths.asset("calendar", "overrides.json")  # the bundled table
#: How far the calendar looks ahead before it decides the configuration has no working time.
MAX_DAYS_AHEAD = 3660


@lru_cache(maxsize=1)
def _national_holidays() -> VietnamHolidays:
    return VietnamHolidays()


@lru_cache(maxsize=64)  # a same-day procedure's cut-off is read on every save
def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


class WorkingCalendar:
    # A plain class, not a dataclass: kiosk.values says why (the CLI's start).
    def __init__(self,
                 office_hours: Sequence[tuple[time, time]] = ((time(7), time(11, 30)),
                                                              (time(13, 30), time(17))),
                 extra_days_off: frozenset[date] = frozenset(),
                 extra_working_days: frozenset[date] = frozenset(),
                 working_saturday: bool = False,
                 same_day_cutoff: time = time(15)) -> None:
        if not office_hours:
            raise ConfigError(_("Chưa cấu hình giờ làm việc."))
        self.office_hours = office_hours
        self.extra_days_off = extra_days_off
        self.extra_working_days = extra_working_days
        self.working_saturday = working_saturday
        self.same_day_cutoff = same_day_cutoff
        self._national: VietnamHolidays = _national_holidays()
        self.is_working_day = lru_cache(maxsize=8192)(self._is_working_day)  # type: ignore[method-assign]
        # Made from the office hours and made again when they are replaced (a new
        # sequence: one identity check serves both): a day's office periods by day and
        # zone, which every save's due time walks (issue 28 §3), and a working day's hours.
        self._periods: dict[tuple[date, object], tuple[tuple[datetime, datetime], ...]] = {}
        self._day_hours = 0.0
        self._derived_from: object = None

    def _settings(self) -> tuple[object, ...]:
        return (tuple(self.office_hours), self.extra_days_off, self.extra_working_days,
                self.working_saturday, self.same_day_cutoff)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkingCalendar):
            return NotImplemented
        return self._settings() == other._settings()

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was

    def __repr__(self) -> str:
        return (f"WorkingCalendar(office_hours={self.office_hours!r}, "
                f"working_saturday={self.working_saturday!r}, "
                f"same_day_cutoff={self.same_day_cutoff!r}, "
                f"{len(self.extra_days_off)} extra days off, "
                f"{len(self.extra_working_days)} extra working days)")

    @classmethod
    def from_config(cls, config: Config | None = None) -> WorkingCalendar:
        config = config or Config.load()
        # Due times are computed in the unit's zone: a bad zone is refused, never replaced.
        config.get("unit.timezone")
        spans = [tuple(_hhmm(p) for p in s.split("-"))
                 for s in config.get_strict("office.hours")]
        off, work = _load_overrides()
        off |= {date.fromisoformat(d) for d in config.get_strict("calendar.extra_days_off")}
        work |= {date.fromisoformat(d)
                 for d in config.get_strict("calendar.extra_working_days")}
        return cls(
            office_hours=[(a, b) for a, b in spans],
            extra_days_off=frozenset(off - work),
            extra_working_days=frozenset(work),
            working_saturday=bool(config.get("office.working_saturday")),
            same_day_cutoff=_hhmm(config.get_strict("office.same_day_cutoff")),
        )

    # --- days ---------------------------------------------------------------------------

    def _is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off or day in self._national:
            return False
        if self._national.is_weekend_workday(day):
            return True  # a make-up Saturday (làm bù)
        if day.weekday() == 5:
            return self.working_saturday
        return day.weekday() < 5

    def is_working_day(self, day: date) -> bool:  # replaced by a cached version per instance
        return self._is_working_day(day)

    def holiday_name(self, day: date) -> str | None:
        return self._national.get(day)

    def next_working_day(self, day: date) -> date:
        for n in range(1, MAX_DAYS_AHEAD):
            candidate = day + timedelta(days=n)
            if self.is_working_day(candidate):
                return candidate
        raise ConfigError(_("Lịch làm việc không có ngày làm việc nào trong 10 năm tới."))

    def _derive(self) -> None:
        """What is made from the office hours, for the ones in force now."""
        self._periods.clear()
        self._day_hours = sum(_seconds(a, b) for a, b in self.office_hours) / 3600
        self._derived_from = self.office_hours

    @property
    def day_hours(self) -> float:
        """Working hours in one day: a working day is worth this many hours."""
        if self._derived_from is not self.office_hours:
            self._derive()
        return self._day_hours

    def periods(self, day: date) -> list[tuple[datetime, datetime]]:
        return list(self._day_periods(day))

    def _day_periods(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        if self._derived_from is not self.office_hours:
            self._derive()
        tz = zone()
        key = (day, tz)
        found = self._periods.get(key)
        if found is None:
            found = tuple((datetime.combine(day, a, tz), datetime.combine(day, b, tz))
                          for a, b in self.office_hours) if self.is_working_day(day) else ()
            if len(self._periods) >= 4096:
                self._periods.clear()
            self._periods[key] = found
        return found

    def _periods_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Office periods ending after ``start``, in order, clipped to begin at ``start``."""
        first = start.date()
        for n in range(MAX_DAYS_AHEAD):
            for a, b in self._day_periods(first + timedelta(days=n)):
                if b > start:
                    yield max(a, start), b
        raise ConfigError(_("Lịch làm việc không có giờ làm việc nào trong 10 năm tới."))

    def closing(self, day: date) -> datetime:
        return datetime.combine(day, self.office_hours[-1][1], zone())

    # --- instants -----------------------------------------------------------------------

    def next_opening(self, at: datetime) -> datetime:
        """``at`` itself when the office is open then, else the next time it opens."""
        at = to_local(at)
        for a, b in self._periods_from(at):
            if a < b:
                return a
        raise AssertionError("unreachable")

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant after ``hours`` of office time from ``start``."""
        if hours < 0:
            raise InvalidInput(_("Số giờ làm việc không được âm."))
        remaining = timedelta(hours=hours)
        start = to_local(start)
        if not remaining:
            return self.next_opening(start)
        for a, b in self._periods_from(start):
            if remaining <= b - a:
                return a + remaining  # exactly on a closing time stays there
            remaining -= b - a
        raise AssertionError("unreachable")

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        start, end = to_local(start), to_local(end)
        if end <= start:
            return 0.0
        total = timedelta()
        for a, b in self._periods_from(start):
            if a >= end:
                break
            total += min(b, end) - a
        return total.total_seconds() / 3600

    def due(
        self,
        received: datetime,
        processing: ProcessingTime,
        pauses: Iterable[tuple[datetime, datetime]] = (),
    ) -> datetime:
        """The legal due time of a dossier received at ``received``.

        ``pauses`` are closed intervals (supplement requests): the office time inside them,
        from reception on, pushes the due time later.
        """
        received = to_local(received)
        base = self._due_without_pauses(received, processing)
        if pauses == ():  # a save: nothing paused yet
            return base
        paused = sorted((to_local(a), to_local(b)) for a, b in pauses)
        if not paused:
            return base
        counted: list[tuple[datetime, datetime]] = []
        due = base
        # A pause that starts before the (growing) due time pushes it; repeat until stable.
        changed = True
        while changed:
            changed = False
            for a, b in paused:
                if (a, b) in counted or a >= due or b <= received:
                    continue
                counted.append((a, b))
                hours = sum(self.working_hours_between(max(x, received), y) for x, y in counted)
                # From a closing time, the extra hours start at the next opening.
                due = self.add_working_hours(base, hours) if hours > 0 else base
                changed = True
        return due

    def _due_without_pauses(self, received: datetime, p: ProcessingTime) -> datetime:
        if p.unit == "working_days":
            return self.add_working_hours(received, p.value * self.day_hours)
        if p.unit == "working_hours":
            return self.add_working_hours(received, p.value)
        if p.unit == "calendar_days":
            return self._calendar_days(received, p.value)
        if p.unit == "same_day":
            start = self.next_opening(received)
            cutoff = _hhmm(p.cutoff) if p.cutoff else self.same_day_cutoff
            day = start.date()
            if start.timetz().replace(tzinfo=None) < cutoff:
                return self.closing(day)
            return self.closing(self.next_working_day(day))
        raise InvalidInput(_("Đơn vị thời hạn «{unit}» không hợp lệ.", unit=p.unit))

    def _calendar_days(self, received: datetime, days: float) -> datetime:
        due = received + timedelta(days=days)
        day = due.date()
        if not self.is_working_day(day):
            day = self.next_working_day(day)
        first_open = self.office_hours[0][0]
        clock = min(max(due.timetz().replace(tzinfo=None), first_open), self.office_hours[-1][1])
        return datetime.combine(day, clock, zone())


def _seconds(a: time, b: time) -> float:
    return (datetime.combine(date.min, b) - datetime.combine(date.min, a)).total_seconds()


def _load_overrides() -> tuple[set[date], set[date]]:
    from kiosk.calendar_file import installed_file

    # The province's publication (received through sync) replaces the bundled table.
    path = installed_file() if installed_file().is_file() else OVERRIDES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        off = {date.fromisoformat(_day(e)) for e in data.get("days_off", [])}
        work = {date.fromisoformat(_day(e)) for e in data.get("working_days", [])}
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise ConfigError(
            _("Bảng ngày nghỉ/làm bù {path} bị lỗi: {error}", path=str(path),
              error=str(exc))
        ) from exc
    return off, work


def _day(entry: object) -> str:
    # Entries are "YYYY-MM-DD" or {"date": "YYYY-MM-DD", "source": "..."}.
    return entry["date"] if isinstance(entry, dict) else str(entry)
