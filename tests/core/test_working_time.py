from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.catalog import ProcessingTime
from kiosk.clock import TZ
from kiosk.config import Config
from kiosk.working_time import WorkingCalendar

SAME_DAY = ProcessingTime("same_day", 0, "15:00")


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def days(n: float) -> ProcessingTime:
    return ProcessingTime("working_days", n)


# --- worked examples ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("received", "processing", "due"),
    [
        # Plain week: Mon 09:00 + 1 working day = Tue 09:00.
        (at(2026, 11, 16, 9), days(1), at(2026, 11, 17, 9)),
        # 24/11/2026 is Vietnamese Culture Day (new from 2026): Mon 23 → Wed 25.
        (at(2026, 11, 23, 9), days(1), at(2026, 11, 25, 9)),
        # Tết 2026: 16–20/02 off; Fri 13/02 10:00 + 1 day → Mon 23/02 10:00.
        (at(2026, 2, 13, 10), days(1), at(2026, 2, 23, 10)),
        # Tết 2025: 27/01–31/01 off (+ Sat 01/02); Fri 24/01 + 2 days → Tue 04/02.
        (at(2025, 1, 24, 8), days(2), at(2025, 2, 4, 8)),
        # 30/4 and 1/5 2026 (Thu, Fri): Wed 29/4 14:00 + 1 day → Mon 4/5 14:00.
        (at(2026, 4, 29, 14), days(1), at(2026, 5, 4, 14)),
        # 2025: 30/4, 1/5, and 2/5 swapped off against Sat 26/4 worked.
        (at(2025, 4, 25, 9), days(1), at(2025, 4, 26, 9)),
        (at(2025, 4, 29, 9), days(1), at(2025, 5, 5, 9)),
        # 2026: Sat 22/8 worked, Mon 31/8 off, 1–2/9 National Day.
        (at(2026, 8, 21, 9), days(1), at(2026, 8, 22, 9)),
        (at(2026, 8, 28, 9), days(1), at(2026, 9, 3, 9)),
        # Lunch does not count: 11:00 + 1 hour → 14:00.
        (at(2026, 11, 18, 11), ProcessingTime("working_hours", 1), at(2026, 11, 18, 14)),
        # Landing exactly on a closing time stays there.
        (at(2026, 11, 18, 13, 30), ProcessingTime("working_hours", 3.5), at(2026, 11, 18, 17)),
        (at(2026, 11, 18, 7), ProcessingTime("working_hours", 4.5), at(2026, 11, 18, 11, 30)),
        # Received after closing: the clock starts next morning.
        (at(2026, 11, 18, 18), ProcessingTime("working_hours", 2), at(2026, 11, 19, 9)),
        # Received in the lunch break: starts at 13:30.
        (at(2026, 11, 18, 12), ProcessingTime("working_hours", 1), at(2026, 11, 18, 14, 30)),
        # Received on Sunday: starts Monday 07:00.
        (at(2026, 11, 15, 10), ProcessingTime("working_hours", 8), at(2026, 11, 16, 17)),
    ],
)
def test_due_examples(cal: WorkingCalendar, received: datetime, processing: ProcessingTime,
                      due: datetime) -> None:
    assert cal.due(received, processing) == due


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (at(2026, 11, 18, 9), at(2026, 11, 18, 17)),  # before 15:00: same day
        (at(2026, 11, 18, 14, 59), at(2026, 11, 18, 17)),
        (at(2026, 11, 18, 15), at(2026, 11, 19, 17)),  # at/after 15:00: next working day
        (at(2026, 11, 20, 16), at(2026, 11, 23, 17)),  # Friday afternoon → Monday
        (at(2026, 11, 23, 15, 30), at(2026, 11, 25, 17)),  # Monday late → skip 24/11
        (at(2026, 11, 21, 9), at(2026, 11, 23, 17)),  # Saturday → Monday, before cut-off
        (at(2026, 11, 18, 19), at(2026, 11, 19, 17)),  # after closing → next morning
        (at(2026, 2, 13, 15, 30), at(2026, 2, 23, 17)),  # Tết 2026
    ],
)
def test_same_day_rule(cal: WorkingCalendar, received: datetime, due: datetime) -> None:
    assert cal.due(received, SAME_DAY) == due


def test_calendar_days_never_end_on_a_day_off(cal: WorkingCalendar) -> None:
    # 5 calendar days from Thu 19/11/2026 09:00 lands Tue 24/11, a holiday → Wed 25/11.
    due = cal.due(at(2026, 11, 19, 9), ProcessingTime("calendar_days", 5))
    assert due == at(2026, 11, 25, 9)


def test_supplement_pause_does_not_count(cal: WorkingCalendar) -> None:
    received = at(2026, 11, 16, 9)
    base = cal.due(received, days(3))
    assert base == at(2026, 11, 19, 9)
    # Paused for one full working day (Tue 17/11): due moves one working day later.
    paused = cal.due(received, days(3), [(at(2026, 11, 17, 7), at(2026, 11, 17, 17))])
    assert paused == at(2026, 11, 20, 9)
    # A pause over a weekend costs nothing.
    assert cal.due(received, days(3), [(at(2026, 11, 14, 8), at(2026, 11, 15, 20))]) == base
    # A pause after the due time changes nothing.
    assert cal.due(received, days(3), [(at(2026, 11, 20, 8), at(2026, 11, 20, 10))]) == base


def test_overrides_from_config(kiosk_home: object) -> None:
    config = Config.load()
    config.set_text("calendar.extra_days_off", "2026-11-25")
    config.set_text("calendar.extra_working_days", "2026-11-28")
    config.set_text("office.hours", "07:30-11:30,13:00-17:00")
    cal = WorkingCalendar.from_config(config)
    assert not cal.is_working_day(date(2026, 11, 25))
    assert cal.is_working_day(date(2026, 11, 28))
    assert cal.day_hours == 8
    # Mon 23 09:00 + 1 day: Tue 24 holiday, Wed 25 local day off, Thu 26.
    assert cal.due(at(2026, 11, 23, 9), days(1)) == at(2026, 11, 26, 9)


def test_working_saturday_setting() -> None:
    cal = WorkingCalendar(working_saturday=True)
    assert cal.is_working_day(date(2026, 11, 21))
    assert not cal.is_working_day(date(2026, 11, 22))


# --- properties ------------------------------------------------------------------------

instants = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=TZ))
hours = st.integers(min_value=1, max_value=8 * 30).map(lambda n: n / 2)


def _inside_office(cal: WorkingCalendar, t: datetime) -> bool:
    return any(a <= t <= b for a, b in cal.periods(t.date()))


@settings(max_examples=200, deadline=None)
@given(instants, hours)
def test_due_is_in_office_hours_and_consumes_exactly(received: datetime, h: float) -> None:
    cal = WorkingCalendar()
    due = cal.add_working_hours(received, h)
    assert due > received
    assert cal.is_working_day(due.date())
    assert _inside_office(cal, due)
    assert cal.working_hours_between(received, due) == pytest.approx(h)


@settings(max_examples=150, deadline=None)
@given(instants, hours, hours)
def test_due_is_monotonic_and_additive(received: datetime, h1: float, h2: float) -> None:
    cal = WorkingCalendar()
    a = cal.add_working_hours(received, h1)
    b = cal.add_working_hours(received, h1 + h2)
    assert b > a
    assert cal.add_working_hours(a, h2) == b


@settings(max_examples=150, deadline=None)
@given(instants)
def test_same_day_is_a_closing_time_within_two_working_days(received: datetime) -> None:
    cal = WorkingCalendar()
    due = cal.due(received, SAME_DAY)
    assert due.time().hour == 17 and due.time().minute == 0
    assert cal.is_working_day(due.date())
    assert due >= received
    start = cal.next_opening(received)
    assert due.date() in (start.date(), cal.next_working_day(start.date()))


@settings(max_examples=100, deadline=None)
@given(instants, st.integers(min_value=1, max_value=30))
def test_working_days_equal_8_hours_each(received: datetime, n: int) -> None:
    cal = WorkingCalendar()
    assert cal.due(received, days(n)) == cal.add_working_hours(received, 8 * n)
    assert cal.due(received, days(n)) - received >= timedelta(hours=8 * n)


def test_replaced_office_hours_are_used_from_the_next_due_time_on() -> None:
    from datetime import time

    cal = WorkingCalendar()
    monday = datetime(2026, 12, 7, 8, 0, tzinfo=TZ)
    two_days = ProcessingTime("working_days", 2)
    assert cal.day_hours == 8.0
    assert cal.due(monday, two_days) == datetime(2026, 12, 9, 8, 0, tzinfo=TZ)
    # Afternoons only (4 hours a day): the periods and a day's hours are made again.
    cal.office_hours = [(time(13), time(17))]
    assert cal.day_hours == 4.0
    assert cal.due(monday, two_days) == datetime(2026, 12, 8, 17, 0, tzinfo=TZ)
    assert cal.periods(monday.date()) == [(datetime(2026, 12, 7, 13, tzinfo=TZ),
                                           datetime(2026, 12, 7, 17, tzinfo=TZ))]
