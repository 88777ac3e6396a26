"""Vietnam's public holidays without importing ``holidays`` on every start.

The ``holidays`` package imports ~460 modules (every country) before it answers: 0.25 s of
a CLI command's or the app's start, measured in bench/startup.py. Its answers for Vietnam
for :data:`FIRST_YEAR`–:data:`LAST_YEAR` are kept in ``assets/calendar/vn_holidays.json``
(``python -m kiosk.vn_holidays`` writes it; tests/core/test_vn_holidays.py checks it still
equals the installed package); other years ask the package itself, imported then.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from kiosk import paths

TABLE_FILE = paths.asset("calendar", "vn_holidays.json")
FIRST_YEAR, LAST_YEAR = 2015, 2045


def _from_package(years: range | None = None) -> Any:
    import holidays

    return holidays.country_holidays("VN", years=years) if years else \
        holidays.country_holidays("VN")


class VietnamHolidays:
    """``day in``, ``get(day)`` and ``weekend_workdays`` like ``holidays.HolidayBase``."""

    def __init__(self) -> None:
        data = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
        self._names = {date.fromisoformat(d): n for d, n in data["holidays"].items()}
        self._first, self._last = int(data["first_year"]), int(data["last_year"])
        self._workdays = frozenset(date.fromisoformat(d) for d in data["weekend_workdays"])
        self._package: Any = None

    def _outside(self, day: date) -> Any:
        if self._package is None:
            self._package = _from_package()
        return self._package

    def _covered(self, day: date) -> bool:
        return self._first <= day.year <= self._last

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        return day in self._names if self._covered(day) else day in self._outside(day)

    def get(self, day: date) -> str | None:
        if self._covered(day):
            return self._names.get(day)
        name = self._outside(day).get(day)
        return str(name) if name is not None else None

    def is_weekend_workday(self, day: date) -> bool:
        if self._covered(day):
            return day in self._workdays
        return day in getattr(self._outside(day), "weekend_workdays", ())


def table_from_package() -> dict[str, Any]:
    import holidays

    found = _from_package(range(FIRST_YEAR, LAST_YEAR + 1))
    return {
        "source": f"holidays {holidays.__version__}, country_holidays('VN')",
        "first_year": FIRST_YEAR, "last_year": LAST_YEAR,
        "holidays": {d.isoformat(): str(n) for d, n in sorted(found.items())},
        "weekend_workdays": sorted(d.isoformat() for d in getattr(found, "weekend_workdays", ())
                                   if FIRST_YEAR <= d.year <= LAST_YEAR),
    }


if __name__ == "__main__":
    TABLE_FILE.write_text(json.dumps(table_from_package(), ensure_ascii=False, indent=1) + "\n",
                          encoding="utf-8")
    print(TABLE_FILE)
