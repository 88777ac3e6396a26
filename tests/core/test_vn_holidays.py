"""The shipped holiday table still says what the installed ``holidays`` package says."""

from __future__ import annotations

import json
from datetime import date

from kiosk.vn_holidays import TABLE_FILE, VietnamHolidays, table_from_package
from kiosk.working_time import WorkingCalendar


def test_table_equals_the_package() -> None:
    shipped = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
    fresh = table_from_package()
    assert shipped["holidays"] == fresh["holidays"], "run: python -m kiosk.vn_holidays"
    assert shipped["weekend_workdays"] == fresh["weekend_workdays"]


def test_lookups_inside_and_outside_the_table() -> None:
    import holidays

    ours, theirs = VietnamHolidays(), holidays.country_holidays("VN")
    for day in (date(2025, 1, 1), date(2026, 2, 17), date(2026, 9, 2), date(2026, 9, 3),
                date(2050, 1, 1), date(2050, 1, 2), date(2010, 4, 30)):
        assert (day in ours) == (day in theirs), day
        assert ours.get(day) == theirs.get(day), day


def test_a_make_up_saturday_is_a_working_day() -> None:
    calendar = WorkingCalendar()
    assert calendar.is_working_day(date(2019, 5, 4))  # làm bù for 30/4–1/5 2019
    assert not calendar.is_working_day(date(2026, 1, 1))
