"""Vietnamese formatting of dates, times and amounts as they appear on administrative forms.

Forms write times in words-and-numbers ("16 giờ 30 phút, ngày 25 tháng 11 năm 2026") and
amounts with a dot as the thousands separator ("8.000 đồng"); these are fixed by usage in
official documents, not by the UI language, so they are not translated.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal

from kiosk.clock import to_local


def nfc(text: str) -> str:
    """Text as NFC: scanners and some keyboards send decomposed diacritics."""
    return unicodedata.normalize("NFC", text)


def format_time_vn(dt: datetime) -> str:
    """``16 giờ 30 phút`` in the counter's timezone."""
    local = to_local(dt)
    return f"{local.hour:02d} giờ {local.minute:02d} phút"


def format_date_vn(d: date | datetime) -> str:
    """``ngày 25 tháng 11 năm 2026``.

    Nghị định 30/2020 (official documents): a day below 10 and the months 1 and 2 take a
    leading zero (``ngày 05 tháng 01``, ``ngày 05 tháng 3``), so that nobody can add a digit.
    """
    if isinstance(d, datetime):
        d = to_local(d).date()
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def format_datetime_vn(dt: datetime) -> str:
    """``16 giờ 30 phút, ngày 25 tháng 11 năm 2026``."""
    return f"{format_time_vn(dt)}, {format_date_vn(dt)}"


def format_short_datetime(dt: datetime) -> str:
    """``16:30 25/11/2026``: for narrow table cells (tracking book, thermal ticket)."""
    local = to_local(dt)
    return local.strftime("%H:%M %d/%m/%Y")


def format_short_date(d: date | datetime) -> str:
    if isinstance(d, datetime):
        d = to_local(d).date()
    return d.strftime("%d/%m/%Y")


def group_thousands(value: int) -> str:
    """``1234567`` → ``1.234.567`` (Vietnamese groups thousands with dots)."""
    sign = "-" if value < 0 else ""
    return sign + f"{abs(value):,}".replace(",", ".")


def format_amount(value: int | Decimal | None, *, free_text: str = "Không thu phí") -> str:
    """``8000`` → ``8.000 đồng``; ``0`` or ``None`` → ``free_text``.

    The đồng has no minor unit in practice; a fractional amount is rounded half up, because a
    fee is never quoted in hào on a receipt.
    """
    if value is None or value == 0:
        return free_text
    whole = int(Decimal(value).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    return f"{group_thousands(whole)} đồng"


def two_digits(n: int) -> str:
    """Counts on forms are written with two digits: ``01 bộ``, ``03 ngày làm việc``."""
    return f"{n:02d}"
