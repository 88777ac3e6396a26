"""Receipt and register numbers: how several counters of a unit never collide or skip.

**Receipts.** A receipt is identified by its series (ký hiệu) and its number (số, up to 7
digits, restarting at 1 each 1 January). Each counter issues its own series: the unit's
pattern (``fees.receipt_series``, default ``Q{counter}-{yy}E``) must contain the counter
number and the year, so counter 1 writes ``Q1-26E`` and counter 2 ``Q2-26E``. Within a
series the numbers are consecutive and only one machine ever issues them, so counters that
are offline at the same time can never hand out the same (series, number), and no number is
ever skipped: the next number is taken in the same SQLite transaction as the receipt row.
(NĐ 123/2020 lets a unit use several series at once; each must be registered with the tax
office — the unit registers one per counter.)

**The certification register.** Numbers are per book (quyển số), and a unit keeps one book
per act type and year (NĐ 23/2015 Art. 13). With several counters certifying offline, one
shared sequence could not be gapless without a network, so each counter keeps its own book
of each type (``certify.book_pattern``, default ``{counter:02d}/{year}-{book}``: counter 1's
copy book of 2026 is ``01/2026-SCT/BS``, counter 2's ``02/2026-SCT/BS``), exactly as a commune
with two certifying officers keeps two paper books. The number (số chứng thực) restarts at
01 in each book every year and is gapless within it.
"""

from __future__ import annotations

import re

from kiosk.errors import InvalidInput
from kiosk.i18n import _

MAX_RECEIPT_NUMBER = 9_999_999
_REF_RE = re.compile(r"^(?P<series>[0-9A-Z/][0-9A-Z/-]{0,19})-(?P<number>\d{1,7})$")


def receipt_series(pattern: str, counter: int, year: int) -> str:
    return pattern.format(counter=counter, yy=f"{year % 100:02d}", yyyy=f"{year:04d}")


def receipt_ref(series: str, number: int) -> str:
    """What the clerk types to name a receipt: ``Q1-26E-0000012``."""
    return f"{series}-{number:07d}"


def parse_receipt_ref(text: str) -> tuple[str, int]:
    match = _REF_RE.match(text.strip().upper())
    if not match or int(match["number"]) < 1:
        raise InvalidInput(
            _("«{text}» không phải số biên lai.", text=text.strip()[:40]),
            hint=_("Ghi ký hiệu và số biên lai nối bằng dấu -, ví dụ Q1-26E-0000012."),
            field="receipt")
    return match["series"], int(match["number"])


def book_name(pattern: str, counter: int, year: int, book: str) -> str:
    return pattern.format(counter=counter, year=year, book=book)


def register_number(number: int) -> str:
    """The number as printed: at least two digits (the sequence starts at 01)."""
    return f"{number:02d}"
