"""Booked times at the counter (issue 27): slots, booking, check-in, cancel.

The rules are :mod:`kiosk.citizen.booking_rules`; the bookings are kept in this counter's
database (``kiosk.storage.bookings``). Checking in a booking takes an ordinary queue ticket
of its group (from the central server when it answers, like any ticket) marked with the end
of its slot: until then it is called ahead of the group's walk-ins (``queue_rules``).

A booking not checked in within ``booking.release_minutes`` of its slot's start is released
(its place counts as free again, and checking it in is refused). The release is applied
before every read and write, so no timer has to run.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from kiosk.citizen.booking_rules import (
    BookingRules,
    clean_code,
    clean_contact,
    new_code,
    slot_text,
)
from kiosk.citizen.queue import QueueService
from kiosk.clock import iso, now, parse_iso
from kiosk.errors import InvalidInput, NotFound
from kiosk.i18n import _
from kiosk.storage import bookings as table
from kiosk.storage.sqlite import Database
from kiosk.working_time import WorkingCalendar


def _figures(service: str, places: int) -> dict[str, Any]:
    return {"service": service, "places": places, "bookings": 0, "pending": 0,
            "checked_in": 0, "cancelled": 0, "released": 0}


def _atomically(fn: Any) -> Any:
    def work(db: Database) -> Any:
        with db.atomic():
            return fn(db)

    return work


class BookingService:
    def __init__(self, queue: QueueService, calendar: WorkingCalendar | None = None) -> None:
        self.queue = queue
        self.store = queue.store
        self.rules = BookingRules.from_config(queue.config)
        self.calendar = calendar or WorkingCalendar.from_config(queue.config)

    def _release(self, db: Database) -> None:
        before = iso(now() - timedelta(minutes=self.rules.release_minutes))
        table.release_overdue(db, before, iso(now()))

    def slots(self, service: str, day: date) -> list[dict[str, Any]]:
        """``[{"at", "capacity", "free"}]``: the slots of ``day`` not yet started."""
        service = self.rules.check_service(service, self.queue.services())
        capacity = self.rules.capacity(service, day)
        starts = [s for s in self.rules.slots(self.calendar, service, day) if s > now()]

        def work(db: Database) -> dict[str, int]:
            with db.atomic():
                self._release(db)
                return table.taken(db, service, day.isoformat())

        used = self.store.call(work)
        return [{"at": slot_text(s), "capacity": capacity,
                 "free": max(0, capacity - used.get(slot_text(s), 0))} for s in starts]

    def make(self, service: str, at: datetime, *, phone: str | None = None,
             id_number: str | None = None, by: str = "") -> dict[str, Any]:
        """A booking ``{"code", "service", "at"}``, or a refusal saying why."""
        service = self.rules.check_service(service, self.queue.services())
        self.rules.check_time(self.calendar, service, at, now())
        phone_n, id_n = clean_contact(phone, id_number)
        capacity = self.rules.capacity(service, at.date())
        at_text = slot_text(at)

        def work(db: Database) -> dict[str, Any]:
            with db.atomic():
                self._release(db)
                twice = table.same_person(db, service, at_text, phone_n, id_n)
                if twice:
                    raise InvalidInput(
                        _("Người này đã có lịch hẹn {code} vào khung {time} ngày {day}.",
                          code=twice, time=f"{at:%H:%M}", day=f"{at:%d/%m/%Y}"),
                        hint=_("Mỗi người chỉ đặt một chỗ trong một khung giờ."))
                if table.taken(db, service, at.date().isoformat()).get(at_text, 0) >= capacity:
                    raise InvalidInput(
                        _("Khung {time} ngày {day} đã hết chỗ ({capacity} chỗ).",
                          time=f"{at:%H:%M}", day=f"{at:%d/%m/%Y}", capacity=capacity),
                        hint=_("Chọn khung khác: kiosk booking slots --service {service} "
                               "--date {date}", service=service, date=at.date().isoformat()))
                for _attempt in range(5):
                    code = new_code()
                    if table.get(db, code) is None:
                        break
                table.insert(db, {"code": code, "service": service, "at": at_text,
                                  "day": at.date().isoformat(), "phone": phone_n,
                                  "id_number": id_n, "state": "booked", "made_at": iso(now()),
                                  "made_by": by})
                return {"code": code, "service": service, "at": at_text}

        return self.store.call(work)

    def _get(self, code: str) -> dict[str, Any]:
        code = clean_code(code)

        def work(db: Database) -> dict[str, Any] | None:
            with db.atomic():
                self._release(db)
                return table.get(db, code)

        found = self.store.call(work)
        if found is None:
            raise NotFound(_("Không tìm thấy lịch hẹn {code}.", code=code))
        return found

    def checkin(self, code: str) -> dict[str, Any]:
        """The person arrived: a ticket of the booking's group, ahead of walk-ins until
        the end of the slot."""
        booking = self._get(code)
        at = parse_iso(booking["at"])
        self._refuse_unless_live(booking)
        opens = at - timedelta(minutes=self.rules.checkin_early_minutes)
        if now() < opens:
            raise InvalidInput(
                _("Lịch hẹn {code} lúc {time} ngày {day}: chưa đến giờ nhận số, mời quay lại "
                  "từ {opens}.", code=booking["code"], time=f"{at:%H:%M}",
                  day=f"{at:%d/%m/%Y}", opens=f"{opens:%H:%M %d/%m/%Y}"))
        stamp = iso(now())
        claimed = self.store.call(_atomically(lambda db: db.conn.execute(
            "UPDATE bookings SET state = 'checked_in', ended_at = ? WHERE code = ? AND "
            "state = 'booked'", (stamp, booking["code"])).rowcount))
        if not claimed:  # checked in at the same moment elsewhere on this machine
            self._refuse_unless_live(self._get(code))
        until = iso(at + timedelta(minutes=self.rules.slot_minutes))
        try:
            ticket = self.queue.take(booking["service"], booked_until=until)
        except BaseException:
            self.store.call(_atomically(
                lambda db: table.set_state(db, booking["code"], "booked", stamp)))
            raise
        self.store.call(_atomically(lambda db: table.set_state(
            db, booking["code"], "checked_in", stamp, ticket["label"])))
        ticket["booking"] = {"code": booking["code"], "at": booking["at"]}
        return ticket

    def _refuse_unless_live(self, booking: dict[str, Any]) -> None:
        at = parse_iso(booking["at"])
        when = {"code": booking["code"], "time": f"{at:%H:%M}", "day": f"{at:%d/%m/%Y}"}
        state = booking["state"]
        if state == "checked_in":
            raise InvalidInput(_("Lịch hẹn {code} đã nhận số {label}.", code=booking["code"],
                                 label=booking.get("ticket_label") or "—"))
        if state == "cancelled":
            raise InvalidInput(_("Lịch hẹn {code} ({time} ngày {day}) đã bị huỷ.", **when))
        if state == "released":
            raise InvalidInput(
                _("Lịch hẹn {code} ({time} ngày {day}) đã quá giờ nhận số nên đã huỷ, "
                  "nhường chỗ.", **when), hint=_("Mời lấy số thường hoặc đặt hẹn khác."))

    def cancel(self, code: str) -> dict[str, Any]:
        booking = self._get(code)
        self._refuse_unless_live(booking)
        self.store.call(_atomically(lambda db: table.set_state(
            db, booking["code"], "cancelled", iso(now()))))
        return {"code": booking["code"], "service": booking["service"], "at": booking["at"],
                "state": "cancelled"}

    def report(self, start: date, end: date) -> dict[str, Any]:
        """Bookings of a period: made, checked in, cancelled, released (no-shows), and the
        places offered, per group."""
        rows = self.store.read(lambda db: table.between(db, start.isoformat(),
                                                        end.isoformat()))
        out: dict[str, dict[str, Any]] = {}
        for service in self.rules.capacities:
            offered = 0
            day = start
            while day <= end:
                offered += len(self.rules.slots(self.calendar, service, day)) * \
                    self.rules.capacity(service, day)
                day += timedelta(days=1)
            out[service] = _figures(service, offered)
        for r in rows:
            group = out.setdefault(r["service"], _figures(r["service"], 0))
            group["bookings"] += 1
            group["pending" if r["state"] == "booked" else r["state"]] += 1
        for g in out.values():
            kept = g["bookings"] - g["cancelled"]
            g["use_percent"] = round(100 * kept / g["places"], 1) if g["places"] else None
        return {"by_service": list(out.values())}
