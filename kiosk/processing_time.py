"""How long the law gives a procedure, apart from the catalog so that computing a due time
(``kiosk due``, the working calendar) does not load the catalog's parser."""

from __future__ import annotations

from typing import Any

from kiosk.i18n import _
from kiosk.values import Value

TIME_UNITS = ("working_days", "working_hours", "calendar_days", "same_day")
#: The longest processing time the law gives anything, with a wide margin, and within the
#: working calendar's ten-year horizon (found by fuzzing: 3650 working days ran past it).
MAX_PROCESSING = {"working_days": 1000, "working_hours": 8000, "calendar_days": 1825}


class ProcessingTime(Value):
    """How long the law gives: ``value`` units, or same day with a cut-off (the 15:00 rule)."""

    __slots__ = ("unit", "value", "cutoff")  # noqa: RUF023  (the constructor's order)
    unit: str
    value: float
    cutoff: str | None

    def __init__(self, unit: str, value: float = 0, cutoff: str | None = None) -> None:
        self._set(unit=unit, value=value, cutoff=cutoff)

    def to_json(self) -> dict[str, Any]:
        return {"unit": self.unit, "value": self.value, "cutoff": self.cutoff}

    def describe(self) -> str:
        if self.unit == "same_day":
            return _("Trong ngày (nhận sau {cutoff} trả ngày làm việc tiếp theo)",
                     cutoff=self.cutoff or "15:00")
        n = f"{self.value:g}"
        return {
            "working_days": _("{n} ngày làm việc", n=n),
            "working_hours": _("{n} giờ làm việc", n=n),
            "calendar_days": _("{n} ngày", n=n),
        }[self.unit]
