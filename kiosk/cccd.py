"""The QR code on the chip ID card (CCCD / thẻ căn cước), DOMAIN.md §4.

Payload: UTF-8, ``|``-separated:
``id(12)|old CMND (may be empty)|full name|DOB ddmmyyyy|Nam/Nữ|address|issue date ddmmyyyy``.
Variants handled: an empty old ID (``||``); the 2024 card with extra empty trailing fields;
the 6-field form re-shared through Zalo (no old ID, dates dd/MM/yyyy); a BOM or CR/LF added by
the reader. Text is NFC-normalised; the raw text is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk.errors import InvalidInput
from kiosk.i18n import N_, _
from kiosk.safe_text import bad_characters, has_surrogates, is_ascii_digits, shown
from kiosk.text import nfc

# ASCII digits only: \d would also take Arabic-Indic (٠١٢) and full-width (０１２) digits.
_ID_RE = re.compile(r"^[0-9]{12}$")
_OLD_ID_RE = re.compile(r"^([0-9]{9}|[0-9]{12})$")
#: A real payload is about 150 characters; a reader never sends kilobytes.
MAX_PAYLOAD = 2000
_SEXES = {"nam": "Nam", "nữ": "Nữ", "nu": "Nữ", "male": "Nam", "female": "Nữ"}

FIELD_LABELS = {
    "id_number": N_("số CCCD"),
    "old_id_number": N_("số CMND cũ"),
    "full_name": N_("họ và tên"),
    "date_of_birth": N_("ngày sinh"),
    "sex": N_("giới tính"),
    "address": N_("nơi thường trú"),
    "issue_date": N_("ngày cấp"),
    "payload": N_("nội dung mã QR"),
}


class CccdError(InvalidInput):
    """A CCCD payload that cannot be read; ``field`` names the part that is wrong."""

    kind = "invalid_cccd"

    def __init__(self, field: str, problem: str, raw: str) -> None:
        super().__init__(
            _("Mã QR CCCD không hợp lệ ({field}): {problem}", field=_(FIELD_LABELS[field]),
              problem=problem),
            hint=_("Quét lại mã QR trên thẻ, hoặc nhập thông tin bằng tay."),
            field=field,
        )
        self.field = field
        self.raw = raw


@dataclass(frozen=True)
class CccdRecord:
    id_number: str
    old_id_number: str | None
    full_name: str
    date_of_birth: date
    sex: str
    address: str
    issue_date: date | None
    raw: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id_number": self.id_number,
            "old_id_number": self.old_id_number,
            "full_name": self.full_name,
            "date_of_birth": self.date_of_birth.isoformat(),
            "sex": self.sex,
            "address": self.address,
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
            "raw": self.raw,
        }


def _clean(text: str) -> str:
    return nfc(text.replace("\ufeff", "").strip().strip("\r\n").strip())


def looks_like_cccd(text: str) -> bool:
    """A cheap test for routing: 12 digits then a ``|`` (after a BOM or spaces)."""
    return re.match(r"^\s*[0-9]{12}\|", text.replace("\ufeff", "")) is not None


def _parse_date(value: str, field: str, raw: str, *, required: bool) -> date | None:
    value = value.strip()
    if not value:
        if required:
            raise CccdError(field, _("thiếu ngày"), raw)
        return None
    digits = value.replace("/", "").replace("-", "").replace(".", "")
    if "/" in value or "-" in value or "." in value:
        parts = re.split(r"[/.-]", value)
        if len(parts) != 3:
            raise CccdError(field, _("«{value}» không phải ngày", value=shown(value)), raw)
        digits = f"{int(parts[0]):02d}{int(parts[1]):02d}{parts[2]}" if all(
            is_ascii_digits(p) and len(p) <= 4 for p in parts) else "x"
    if not re.fullmatch(r"[0-9]{8}", digits):
        raise CccdError(field, _("«{value}» không phải ngày dạng ddmmyyyy",
                                 value=shown(value)), raw)
    try:
        result = date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
    except ValueError:
        raise CccdError(field, _("ngày «{value}» không có thật", value=shown(value)),
                        raw) from None
    if not 1900 <= result.year <= 2100:
        raise CccdError(field, _("năm {year} không hợp lệ", year=result.year), raw)
    return result


def parse_cccd(text: str) -> CccdRecord:
    """Parse a CCCD QR payload or raise :class:`CccdError` naming the wrong field."""
    if has_surrogates(text):
        # Bytes that were not UTF-8: refuse, and keep none of it (it could not be stored).
        raise CccdError("payload", _("có byte không phải UTF-8"), "")
    if len(text) > MAX_PAYLOAD:
        raise CccdError("payload", _("dài quá {n} ký tự", n=MAX_PAYLOAD), "")
    if any(ch in text for ch in "\x00\x1b"):
        raise CccdError("payload", _("có ký tự điều khiển"), "")
    raw = text
    cleaned = _clean(text)
    if "\n" in cleaned or "\r" in cleaned:
        cleaned = cleaned.splitlines()[0].strip()
    fields = [f.strip() for f in cleaned.split("|")]
    # Trailing empty fields (the 2024 card) carry nothing: drop them beyond the 7th.
    while len(fields) > 7 and fields[-1] == "":
        fields.pop()
    if len(fields) == 6:
        # The Zalo re-share drops the old ID: id|name|dob|sex|address|issue.
        fields.insert(1, "")
    if len(fields) != 7:
        raise CccdError(
            "payload",
            _("cần 7 trường ngăn cách bởi «|», nhận được {n}", n=len(fields)),
            raw,
        )
    id_number, old_id, name, dob, sex, address, issued = fields
    if not _ID_RE.match(id_number):
        raise CccdError("id_number", _("số CCCD phải gồm đúng 12 chữ số"), raw)
    if old_id and not _OLD_ID_RE.match(old_id):
        raise CccdError("old_id_number", _("số CMND cũ phải gồm 9 hoặc 12 chữ số"), raw)
    name = re.sub(r"\s+", " ", name)
    if not name or any(ch.isdigit() for ch in name):
        raise CccdError("full_name", _("họ tên trống hoặc có chữ số"), raw)
    if bad_characters(name):
        raise CccdError("full_name",
                        _("họ tên có ký tự ẩn hoặc ký tự điều khiển (không in ra được)"), raw)
    if bad_characters(address):
        raise CccdError("address",
                        _("địa chỉ có ký tự ẩn hoặc ký tự điều khiển (không in ra được)"), raw)
    birth = _parse_date(dob, "date_of_birth", raw, required=True)
    sex_norm = _SEXES.get(sex.casefold())
    if sex_norm is None:
        raise CccdError("sex", _("giới tính «{value}» phải là Nam hoặc Nữ",
                                 value=shown(sex, 20)), raw)
    issue = _parse_date(issued, "issue_date", raw, required=False)
    assert birth is not None
    if issue is not None and issue < birth:
        raise CccdError("issue_date", _("ngày cấp trước ngày sinh"), raw)
    from kiosk.clock import now

    today = now().date()
    if birth > today:
        raise CccdError("date_of_birth", _("ngày sinh ở tương lai"), raw)
    if issue is not None and issue > today:
        raise CccdError("issue_date", _("ngày cấp ở tương lai"), raw)
    return CccdRecord(id_number, old_id or None, name, birth, sex_norm, address, issue, raw)
