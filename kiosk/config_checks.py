"""What a stored setting may hold: the validators ``kiosk.config`` declares its settings with.

Each returns None when the value is fine, else a message marked for translation (``N_``),
translated when shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kiosk.i18n import N_
from kiosk.safe_text import is_ascii_digits

UNIT_CODE_RE = re.compile(r"^[0-9A-Z]{1,6}(\.[0-9A-Z]{1,6}){0,5}$")
_HOURS_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


def unit_code(value: str) -> str | None:
    if not UNIT_CODE_RE.match(value) or len(value) > 35:
        return N_(
            "mã định danh gồm các nhóm chữ số/chữ hoa cách nhau bởi dấu chấm, "
            "tối đa 35 ký tự (ví dụ 000.00.04.H40)"
        )
    return None


def office_hours(value: list[str]) -> str | None:
    if not value:
        return N_("cần ít nhất một khoảng giờ làm việc, ví dụ 07:00-11:30")
    previous_end = ""
    for span in value:
        if not _HOURS_RE.match(span):
            return N_("mỗi khoảng giờ có dạng HH:MM-HH:MM, ví dụ 07:00-11:30,13:30-17:00")
        start, end = span.split("-")
        if start >= end or start < previous_end:
            return N_("các khoảng giờ phải tăng dần và không chồng lên nhau")
        previous_end = end
    return None


def date_list(value: list[str]) -> str | None:
    from datetime import date

    for item in value:
        if not isinstance(item, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", item):
            return N_("ngày có dạng YYYY-MM-DD, cách nhau bởi dấu phẩy")
        try:
            date.fromisoformat(item)  # 2026-02-30 has the shape but is no day
        except ValueError:
            return N_("có ngày không có thật trong lịch")
    return None


def zone_ok(value: str) -> bool:
    from kiosk.clock import valid_zone

    return valid_zone(value)


def hhmm(value: str) -> str | None:
    return None if re.match(r"^([01]\d|2[0-3]):[0-5]\d$", value) else N_("giờ có dạng HH:MM")


def serial_suffix(value: str) -> str | None:
    # A letter, digit, space or one of |,./- occurs inside a CCCD or a dossier code: as a
    # terminator it would cut them.
    if len(value) > 8 or any(ch.isalnum() or ch.isspace() or ch in "|,./-" for ch in value):
        return N_("tối đa 8 ký hiệu không có trong mã CCCD hay mã hồ sơ, ví dụ # hoặc ~")
    return None


def camera_url(value: str) -> str | None:
    if not value or re.match(r"^[a-z][a-z0-9+.-]*://\S+$", value) or value.startswith("/"):
        return None
    return N_("địa chỉ dạng rtsp://… hoặc http://…, hoặc đường dẫn tuyệt đối tới tệp video")



def citizen_screen(value: str) -> str | None:
    ok = value in ("auto", "off") or (is_ascii_digits(value) and int(value) < 10)
    return None if ok else N_("auto, off hoặc số thứ tự màn hình (0, 1, ...)")


def uploads_at_once(value: object) -> str | None:
    ok = value == "auto" or (type(value) is int and 1 <= value <= 8)
    return None if ok else N_("auto hoặc một số từ 1 đến 8")


def queue_services(value: list[str]) -> str | None:
    letters = [item.split("=", 1)[0] for item in value]
    ok = value and all(re.match(r"^[A-Z]=\S.*$", item) for item in value) \
        and len(set(letters)) == len(letters)
    return None if ok else N_("mỗi nhóm có dạng CHỮ=Tên nhóm (chữ không trùng), ví dụ "
                              "A=Tiếp nhận hồ sơ,B=Trả kết quả")


#: The symbology names ``kiosk.devices.barcode.decode`` knows (a test keeps them equal).
KNOWN_SYMBOLOGIES = ("qr", "code128", "microqr", "datamatrix", "aztec", "pdf417", "code39",
                     "code93", "ean13", "ean8", "upca", "upce", "itf", "codabar")


def between(lo: int, hi: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if lo <= value <= hi else N_("ngoài khoảng cho phép")

    return check


def symbologies(value: list[str]) -> str | None:
    unknown = [v for v in value if v.strip().lower() not in KNOWN_SYMBOLOGIES]
    return N_("có loại mã vạch không biết (qr, code128, datamatrix, pdf417, ean13…)") \
        if unknown else None
