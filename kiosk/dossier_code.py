"""Dossier codes (mã hồ sơ), TT 01/2018 Art. 19: ``<unit code>-<YYMMDD>-<NNNN>``.

Several counters of one unit work offline, so each owns a disjoint block of the day's
sequence: counter k (1–9) issues k001…k999; block 0 is reserved for the central system
(online and postal dossiers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kiosk.config_checks import UNIT_CODE_RE
from kiosk.errors import InvalidInput
from kiosk.i18n import _

DOSSIER_CODE_RE = re.compile(
    r"^(?P<unit>[0-9A-Z]{1,6}(?:\.[0-9A-Z]{1,6}){0,5})-(?P<day>\d{6})-(?P<seq>\d{4})$"
)
BLOCK_SIZE = 1000
CENTRAL_BLOCK = 0


@dataclass(frozen=True)
class DossierCodeParts:
    unit_code: str
    day: date
    seq: int

    @property
    def counter(self) -> int:
        return self.seq // BLOCK_SIZE

    def __str__(self) -> str:
        return format_dossier_code(self.unit_code, self.day, self.seq)


def counter_block(counter: int) -> range:
    """The sequence numbers counter ``counter`` may issue in one day (k001…k999)."""
    if not 0 <= counter <= 9:
        raise InvalidInput(_("Số quầy {n} không hợp lệ (1–9).", n=counter))
    start = counter * BLOCK_SIZE
    return range(start + 1, start + BLOCK_SIZE)


#: Unit codes found valid (a counter has one): the check is a regular expression, and
#: running the engine cold cost every save some microseconds (issue 28 §3).
_VALID_UNITS: set[str] = set()


def format_dossier_code(unit_code: str, day: date, seq: int) -> str:
    if unit_code not in _VALID_UNITS:
        if not UNIT_CODE_RE.match(unit_code):
            raise InvalidInput(_("Mã định danh đơn vị «{code}» không hợp lệ.",
                                 code=unit_code))
        if len(_VALID_UNITS) > 64:
            _VALID_UNITS.clear()
        _VALID_UNITS.add(unit_code)
    if not 1 <= seq <= 9999 or seq % BLOCK_SIZE == 0:
        raise InvalidInput(_("Số thứ tự hồ sơ {seq} không hợp lệ.", seq=seq))
    # Not ``{day:%y%m%d}``: strftime was a fifth of this function's time on every save.
    return f"{unit_code}-{day.year % 100:02d}{day.month:02d}{day.day:02d}-{seq:04d}"


def looks_like_dossier_code(text: str) -> bool:
    return DOSSIER_CODE_RE.match(text.strip()) is not None


def parse_dossier_code(text: str) -> DossierCodeParts:
    match = DOSSIER_CODE_RE.match(text.strip())
    if not match:
        raise InvalidInput(
            _("«{text}» không phải mã hồ sơ.", text=text.strip()[:60]),
            hint=_("Mã hồ sơ có dạng 000.00.04.H40-261122-1001."),
        )
    raw_day = match["day"]
    try:
        day = date(2000 + int(raw_day[:2]), int(raw_day[2:4]), int(raw_day[4:]))
    except ValueError:
        raise InvalidInput(
            _("Mã hồ sơ «{text}» có ngày không hợp lệ.", text=text.strip())
        ) from None
    seq = int(match["seq"])
    if seq % BLOCK_SIZE == 0:
        raise InvalidInput(_("Số thứ tự hồ sơ {seq} không hợp lệ.", seq=seq))
    return DossierCodeParts(match["unit"], day, seq)
