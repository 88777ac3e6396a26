"""Booked times (issue 27): which slots a service group offers on a day, and what a booking
request must satisfy. Pure functions over the settings and the working calendar, used by
the counter (standalone) and by the central server (several counters sharing the slots).

Slots follow the working calendar (``kiosk.working_time``): none on weekends, holidays and
days off, make-up Saturdays included; each office period (07:00–11:30, 13:30–17:00 by
default) is cut into ``booking.slot_minutes`` slots, and a slot that would run past the
period's end is not offered. Each slot of a group has ``booking.groups`` places
(``A=3``), which a weekday (``A@T7=2``) or a date (``A@2026-12-24=0``) may change.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from kiosk.citizen.queue_settings import GROUP_RE
from kiosk.clock import iso, to_local
from kiosk.errors import InvalidInput
from kiosk.i18n import _

_WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
#: Booking codes: no 0/O, 1/I/L, so a code read aloud or typed from the slip is unambiguous.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_RE = re.compile(r"^H[2-9A-HJKMNP-Z]{6}$")
PHONE_RE = re.compile(r"^0\d{9}$")
ID_RE = re.compile(r"^\d{12}$")


#: The holiday names of ``kiosk.vn_holidays`` (English, from the ``holidays`` package) as a
#: person at the counter says them.
HOLIDAY_NAMES_VI = {
    "New Year's Day": "Tết Dương lịch", "Lunar New Year's Eve": "Giao thừa Tết Nguyên đán",
    "Lunar New Year": "Tết Nguyên đán", "29 of Lunar New Year": "Tết Nguyên đán",
    "Second Day of Lunar New Year": "Tết Nguyên đán", "Third Day of Lunar New Year":
    "Tết Nguyên đán", "Fourth Day of Lunar New Year": "Tết Nguyên đán",
    "Fifth Day of Lunar New Year": "Tết Nguyên đán",
    "Hung Kings' Commemoration Day": "Giỗ Tổ Hùng Vương",
    "Liberation Day/Reunification Day": "Ngày Giải phóng miền Nam, thống nhất đất nước",
    "International Labor Day": "Ngày Quốc tế Lao động", "National Day": "Quốc khánh",
    "Vietnam Cultural Day": "Ngày Văn hoá Việt Nam",
}


def holiday_vi(name: str) -> str:
    base = name.removesuffix(" (observed)")
    if base.startswith("Day off"):
        return "ngày nghỉ bù"
    vi = HOLIDAY_NAMES_VI.get(base, name)
    return f"nghỉ bù {vi}" if base != name else vi


@dataclass(frozen=True)
class BookingRules:
    capacities: dict[str, dict[str, int]]  # group → {"": default, "T7": n, "2026-12-24": n}
    slot_minutes: int = 30
    horizon_days: int = 14
    release_minutes: int = 15
    checkin_early_minutes: int = 30

    @classmethod
    def from_config(cls, config: Any) -> BookingRules:
        caps: dict[str, dict[str, int]] = {}
        for item in config.get("booking.groups"):
            m = GROUP_RE.match(str(item).strip())
            if m:
                caps.setdefault(m.group(1), {})[m.group(2) or ""] = int(m.group(3))
        return cls(caps, int(config.get("booking.slot_minutes")),
                   int(config.get("booking.horizon_days")),
                   int(config.get("booking.release_minutes")),
                   int(config.get("booking.checkin_early_minutes")))

    def capacity(self, service: str, day: date) -> int:
        caps = self.capacities.get(service, {})
        for key in (day.isoformat(), _WEEKDAYS[day.weekday()], ""):
            if key in caps:
                return caps[key]
        return 0

    def slots(self, calendar: Any, service: str, day: date) -> list[datetime]:
        """The starts of ``service``'s slots on ``day`` (none on a day off)."""
        if self.capacity(service, day) <= 0:
            return []
        step = timedelta(minutes=self.slot_minutes)
        out: list[datetime] = []
        for start, end in calendar.periods(day):
            at = start
            while at + step <= end:
                out.append(at)
                at += step
        return out

    def check_service(self, service: str, known: dict[str, str]) -> str:
        service = service.strip().upper()
        if service not in self.capacities:
            if service in known:
                raise InvalidInput(_("Nhóm {service} ({name}) không nhận đặt hẹn.",
                                     service=service, name=known[service]),
                                   hint=_("Nhóm nhận đặt hẹn: {groups}",
                                          groups=", ".join(self.capacities) or "—"))
            raise InvalidInput(_("Không có nhóm dịch vụ «{service}».", service=service),
                               hint=_("Nhóm nhận đặt hẹn: {groups}",
                                      groups=", ".join(self.capacities) or "—"))
        return service

    def check_time(self, calendar: Any, service: str, at: datetime, now: datetime) -> None:
        """Refuse a slot in the past, beyond the horizon, on a day off or not on the grid."""
        at = to_local(at)
        if at <= now:
            raise InvalidInput(_("Giờ hẹn {at} đã qua.", at=f"{at:%H:%M %d/%m/%Y}"),
                               hint=_("Chọn một khung giờ từ bây giờ trở đi."))
        slots = self.check_day(calendar, service, at.date(), now)
        if at not in slots:
            raise InvalidInput(_("{time} không phải giờ bắt đầu một khung hẹn.",
                                 time=f"{at:%H:%M}"),
                               hint=_("Các khung ngày {day}: {times}", day=f"{at:%d/%m/%Y}",
                                      times=", ".join(f"{s:%H:%M}" for s in slots)))

    def check_day(self, calendar: Any, service: str, day: date, now: datetime
                  ) -> list[datetime]:
        """The day's slot starts, or the refusal of a day before its past, beyond the horizon,
        a day off or a day the group takes no booking (the booking page asks day first)."""
        if day < now.date():
            raise InvalidInput(_("Ngày {day} đã qua.", day=f"{day:%d/%m/%Y}"),
                               hint=_("Chọn một khung giờ từ bây giờ trở đi."))
        last = now.date() + timedelta(days=self.horizon_days)
        if day > last:
            raise InvalidInput(
                _("Chỉ nhận đặt hẹn trước tối đa {days} ngày (đến hết ngày {last}).",
                  days=self.horizon_days, last=f"{last:%d/%m/%Y}"))
        if not calendar.is_working_day(day):
            name = calendar.holiday_name(day)
            if name:
                raise InvalidInput(_("Ngày {day} là ngày nghỉ lễ ({name}), không nhận hẹn.",
                                     day=f"{day:%d/%m/%Y}", name=holiday_vi(name)))
            raise InvalidInput(_("Ngày {day} không phải ngày làm việc, không nhận hẹn.",
                                 day=f"{day:%d/%m/%Y}"))
        slots = self.slots(calendar, service, day)
        if not slots:
            raise InvalidInput(_("Ngày {day} nhóm {service} không nhận hẹn.",
                                 day=f"{day:%d/%m/%Y}", service=service))
        return slots


def parse_at(text: str) -> datetime:
    """``2026-12-08T07:30`` or ``2026-12-08 07:30`` (the unit's time), or with an offset."""
    try:
        return to_local(datetime.fromisoformat(text.strip()))
    except ValueError:
        raise InvalidInput(_("Giờ hẹn «{text}» không hợp lệ.", text=text),
                           hint=_("Viết dạng YYYY-MM-DDTHH:MM, ví dụ 2026-12-08T07:30.")) from None


def clean_contact(phone: str | None, id_number: str | None) -> tuple[str, str]:
    """The phone (``0`` + 9 digits; ``+84`` accepted) and the CCCD number (12 digits)."""
    p = re.sub(r"[\s.\-]", "", phone or "")
    if p.startswith("+84"):
        p = "0" + p[3:]
    n = re.sub(r"\s", "", id_number or "")
    if not p and not n:
        raise InvalidInput(_("Cần số điện thoại hoặc số CCCD để đặt hẹn."))
    if p and not PHONE_RE.match(p):
        raise InvalidInput(_("Số điện thoại «{phone}» không hợp lệ (10 chữ số, bắt đầu bằng 0).",
                             phone=phone))
    if n and not ID_RE.match(n):
        raise InvalidInput(_("Số CCCD «{number}» không hợp lệ (12 chữ số).", number=id_number))
    return p, n


def twice_error(code: str, at: datetime) -> InvalidInput:
    at = to_local(at)
    return InvalidInput(_("Người này đã có lịch hẹn {code} vào khung {time} ngày {day}.",
                          code=code, time=f"{at:%H:%M}", day=f"{at:%d/%m/%Y}"),
                        hint=_("Mỗi người chỉ đặt một chỗ trong một khung giờ."))


def full_error(service: str, at: datetime, capacity: int) -> InvalidInput:
    at = to_local(at)
    return InvalidInput(_("Khung {time} ngày {day} đã hết chỗ ({capacity} chỗ).",
                          time=f"{at:%H:%M}", day=f"{at:%d/%m/%Y}", capacity=capacity),
                        hint=_("Chọn khung khác: kiosk booking slots --service {service} "
                               "--date {date}", service=service, date=at.date().isoformat()))


def new_code() -> str:
    return "H" + "".join(secrets.choice(CODE_ALPHABET) for _i in range(6))


def clean_code(text: str) -> str:
    code = text.strip().upper()
    if not CODE_RE.match(code):
        raise InvalidInput(_("Mã hẹn «{code}» không hợp lệ.", code=text),
                           hint=_("Mã hẹn có dạng H và 6 ký tự, ví dụ HK7Q2MX."))
    return code


def slot_text(at: datetime) -> str:
    return iso(at)
