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

import logging
from datetime import date, datetime, timedelta
from typing import Any

from kiosk.citizen.booking_rules import (
    BookingRules,
    clean_code,
    clean_contact,
    full_error,
    new_code,
    slot_text,
    twice_error,
)
from kiosk.citizen.queue import QueueService
from kiosk.clock import iso, now, parse_iso
from kiosk.errors import InvalidInput, KioskError, NotFound
from kiosk.i18n import _
from kiosk.storage import bookings as table
from kiosk.storage.sqlite import Database
from kiosk.working_time import WorkingCalendar

log = logging.getLogger(__name__)
#: Servers this process has sent the booking settings to (once per run is enough).
_PUBLISHED: set[str] = set()


def _figures(service: str, places: int) -> dict[str, Any]:
    return {"service": service, "places": places, "bookings": 0, "pending": 0,
            "checked_in": 0, "cancelled": 0, "released": 0}


class LocalBookings:
    """Bookings in this counter's database (no central server configured)."""

    mode = "local"

    def __init__(self, store: Any) -> None:
        self.store = store

    def _write(self, fn: Any, release_before: str | None = None) -> Any:
        def work(db: Database) -> Any:
            with db.atomic():
                if release_before:
                    table.release_overdue(db, release_before, iso(now()))
                return fn(db)

        return self.store.call(work)

    def taken(self, service: str, day: str, release_before: str) -> dict[str, int]:
        return dict(self._write(lambda db: table.taken(db, service, day), release_before))

    def insert(self, booking: dict[str, Any], capacity: int, release_before: str) -> None:
        def work(db: Database) -> None:
            twice = table.same_person(db, booking["service"], booking["at"], booking["phone"],
                                      booking["id_number"])
            at = parse_iso(booking["at"])
            if twice:
                raise twice_error(twice, at)
            if table.taken(db, booking["service"], booking["day"]).get(booking["at"], 0) \
                    >= capacity:
                raise full_error(booking["service"], at, capacity)
            while table.get(db, booking["code"]) is not None:  # a 1-in-10⁹ clash
                booking["code"] = new_code()
            table.insert(db, booking)

        self._write(work, release_before)

    def get(self, code: str, release_before: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self._write(lambda db: table.get(db, code),
                                                   release_before)
        return found

    def claim(self, code: str) -> bool:
        """booked → checked_in, once (two check-ins at the same moment: one wins)."""
        return bool(self._write(lambda db: db.conn.execute(
            "UPDATE bookings SET state = 'checked_in', ended_at = ? WHERE code = ? AND "
            "state = 'booked'", (iso(now()), code)).rowcount))

    def set_state(self, code: str, state: str, label: str | None = None) -> None:
        self._write(lambda db: table.set_state(db, code, state, iso(now()), label))

    def between(self, start: date, end: date) -> list[dict[str, Any]]:
        return list(self.store.read(lambda db: table.between(db, start.isoformat(),
                                                             end.isoformat())))


class BookingService:
    def __init__(self, queue: QueueService, calendar: WorkingCalendar | None = None,
                 backend: Any = None) -> None:
        self.queue = queue
        self.rules = BookingRules.from_config(queue.config)
        self.calendar = calendar or WorkingCalendar.from_config(queue.config)
        if backend is None:
            from kiosk.citizen.booking_central import CentralBookings

            backend = CentralBookings(queue) if str(queue.config.get("sync.server_url")) \
                else LocalBookings(queue.store)
        self.backend = backend

    def _release_before(self) -> str:
        return iso(now() - timedelta(minutes=self.rules.release_minutes))

    def settings(self) -> dict[str, Any]:
        """What the server's booking page needs to offer this unit's slots."""
        from kiosk.citizen.booking_publish import published

        return published(self.rules, self.calendar, self.queue.services(),
                         str(self.queue.config.get("unit.name")))

    def publish(self, replace: bool = False) -> dict[str, Any]:
        """Send :meth:`settings` to the central server (``kiosk booking publish``). The
        server refuses settings that differ from a newer revision than this counter saw
        (``central/booking_settings.py``); ``replace``: a person decided this machine's
        settings are right, so they go on the server's current revision."""
        if getattr(self.backend, "mode", "") != "central":
            raise InvalidInput(_("Chưa cấu hình máy chủ trung tâm (sync.server_url) nên không "
                                 "có trang đặt hẹn để gửi cấu hình."))
        server, store = self._server(), self.queue.store
        base = self.backend.current_revision() if replace else \
            int(store.read(lambda db: table.published_revision(db, server)))
        answer = dict(self.backend.publish(self.settings(), base))
        store.call(lambda db: table.set_published_revision(db, server, int(answer["revision"]),
                                                           iso(now())))
        _PUBLISHED.add(server)
        return answer

    def _server(self) -> str:
        return str(self.queue.config.get("sync.server_url"))

    def _publish_once(self) -> None:
        """Keep the page's copy of the settings fresh without a step to remember: the first
        booking call of a run to the server sends them (a failure only logs: the page keeps
        the last copy)."""
        if getattr(self.backend, "mode", "") != "central" or self._server() in _PUBLISHED:
            return
        _PUBLISHED.add(self._server())
        try:
            self.publish()
        except KioskError as exc:  # an older copy refused, or no answer: bookings go on
            log.warning("booking: settings not published (%s)", exc)

    def slots(self, service: str, day: date) -> list[dict[str, Any]]:
        """``[{"at", "capacity", "free"}]``: the slots of ``day`` not yet started."""
        service = self.rules.check_service(service, self.queue.services())
        capacity = self.rules.capacity(service, day)
        starts = [s for s in self.rules.slots(self.calendar, service, day) if s > now()]
        self._publish_once()
        used = self.backend.taken(service, day.isoformat(), self._release_before())
        return [{"at": slot_text(s), "capacity": capacity,
                 "free": max(0, capacity - used.get(slot_text(s), 0))} for s in starts]

    def make(self, service: str, at: datetime, *, phone: str | None = None,
             id_number: str | None = None, by: str = "") -> dict[str, Any]:
        """A booking ``{"code", "service", "at"}``, or a refusal saying why."""
        service = self.rules.check_service(service, self.queue.services())
        self.rules.check_time(self.calendar, service, at, now())
        phone_n, id_n = clean_contact(phone, id_number)
        self._publish_once()
        booking = {"code": new_code(), "service": service, "at": slot_text(at),
                   "day": at.date().isoformat(), "phone": phone_n, "id_number": id_n,
                   "state": "booked", "made_at": iso(now()), "made_by": by}
        self.backend.insert(booking, self.rules.capacity(service, at.date()),
                            self._release_before())
        return {"code": booking["code"], "service": service, "at": booking["at"]}

    def _get(self, code: str) -> dict[str, Any]:
        code = clean_code(code)
        found = self.backend.get(code, self._release_before())
        if found is None:
            raise NotFound(_("Không tìm thấy lịch hẹn {code}.", code=code),
                           hint=_("Kiểm tra lại mã trên phiếu hẹn, hoặc mời lấy số thường."))
        return dict(found)

    def checkin(self, code: str) -> dict[str, Any]:
        """The person arrived: a ticket of the booking's group, ahead of walk-ins until
        the end of the slot."""
        booking = self._get(code)
        at = parse_iso(booking["at"])
        self._refuse_other_day(booking, at)
        self._refuse_unless_live(booking)
        opens = at - timedelta(minutes=self.rules.checkin_early_minutes)
        if now() < opens:
            raise InvalidInput(
                _("Lịch hẹn {code} lúc {time} ngày {day}: chưa đến giờ nhận số, mời quay lại "
                  "từ {opens}.", code=booking["code"], time=f"{at:%H:%M}",
                  day=f"{at:%d/%m/%Y}", opens=f"{opens:%H:%M %d/%m/%Y}"))
        if not self.backend.claim(booking["code"]):
            self._refuse_unless_live(self._get(code))  # checked in elsewhere meanwhile
        until = iso(at + timedelta(minutes=self.rules.slot_minutes))
        try:
            ticket = self.queue.take(booking["service"], booked_until=until)
        except BaseException:
            self.backend.set_state(booking["code"], "booked")
            raise
        self.backend.set_state(booking["code"], "checked_in", ticket["label"])
        ticket["booking"] = {"code": booking["code"], "at": booking["at"]}
        return ticket

    def _refuse_other_day(self, booking: dict[str, Any], at: datetime) -> None:
        """A slip read on the wrong day says so, before anything about its state."""
        today = now().date()
        if at.date() == today or booking["state"] in ("checked_in", "cancelled"):
            return
        when = {"code": booking["code"], "time": f"{at:%H:%M}", "day": f"{at:%d/%m/%Y}"}
        if at.date() > today:
            raise InvalidInput(_("Lịch hẹn {code} là ngày {day} lúc {time}, không phải hôm "
                                 "nay: mời quay lại đúng ngày hẹn.", **when),
                               hint=_("Nếu cần làm ngay hôm nay, mời lấy số thường."))
        raise InvalidInput(_("Lịch hẹn {code} là của ngày {day} lúc {time}, đã qua nên không "
                             "còn giá trị.", **when),
                           hint=_("Mời lấy số thường hoặc đặt hẹn khác."))

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
        self.backend.set_state(booking["code"], "cancelled")
        return {"code": booking["code"], "service": booking["service"], "at": booking["at"],
                "state": "cancelled"}

    def report(self, start: date, end: date) -> dict[str, Any]:
        """Slot use of a period per group, and per group and day: the places offered, the
        bookings made, still pending, checked in, cancelled, released (not come), the
        places left free and the use (places kept by a booking over places offered)."""
        rows = self.backend.between(start, end)
        out: dict[str, dict[str, Any]] = {}
        days: dict[tuple[str, str], dict[str, Any]] = {}
        for service in self.rules.capacities:
            out[service] = _figures(service, 0)
            day = start
            while day <= end:
                places = len(self.rules.slots(self.calendar, service, day)) * \
                    self.rules.capacity(service, day)
                out[service]["places"] += places
                if places:
                    days[(service, day.isoformat())] = _figures(service, places)
                day += timedelta(days=1)
        late = self._release_before()
        for r in rows:
            state = str(r["state"])
            if state == "booked" and str(r["at"]) < late:
                state = "released"  # not come: released at the next read anyway
            for block in (out.setdefault(r["service"], _figures(r["service"], 0)),
                          days.setdefault((r["service"], str(r["day"])),
                                          _figures(r["service"], 0))):
                block["bookings"] += 1
                block["pending" if state == "booked" else state] += 1
        for (service, day_text), block in sorted(days.items()):
            out[service].setdefault("by_day", []).append(
                {"day": day_text, **_use(block), "service": service})
        return {"by_service": [{**_use(g), "by_day": g.get("by_day", [])}
                               for g in out.values()]}


def _use(g: dict[str, Any]) -> dict[str, Any]:
    held = g["pending"] + g["checked_in"]
    kept = g["bookings"] - g["cancelled"]
    return {**{k: v for k, v in g.items() if k != "by_day"}, "free": max(0, g["places"] - held),
            "use_percent": round(100 * kept / g["places"], 1) if g["places"] else None}


def period_block(store: Any, start: date, end: date) -> dict[str, Any]:
    """The ``booking`` block of the period report (``kiosk report summary``, the Reports
    screen): :meth:`BookingService.report`, from the server when one is configured; without
    its answer the block says so and the rest of the report is unchanged."""
    from kiosk.citizen.booking_central import BookingServerUnreachable

    queue = QueueService(store, store.config)
    try:
        return BookingService(queue).report(start, end)
    except BookingServerUnreachable as exc:
        return {"error": exc.message, "by_service": []}
    finally:
        queue.close()
