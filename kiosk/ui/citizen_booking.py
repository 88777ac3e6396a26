"""Booking a time and checking a booking in at the self-service citizen screen (issue 27).

Set on the citizen window's engine as ``booking`` beside ``citizen``. Touch only: the group,
a day, a free slot, then the phone number on the screen's keypad or the CCCD held to the
reader, then whether to send the code by SMS and/or e-mail. The booking is made by
:class:`~kiosk.citizen.booking.BookingService` (the same rules and refusals as the CLI and
the web page), its slip printed on the queue tickets' printer, and the code queued as a
notice (:mod:`kiosk.citizen.booking_notice`) only when the citizen agreed.

A booking slip's QR read by any reader of the screen checks the booking in
(:meth:`CitizenBooking.checkin`): the ticket, ahead of walk-ins during its slot, is printed
and shown like a ticket taken with «Lấy số»; a refusal (unknown code, cancelled, released,
another unit, another day) is said in the screen's message.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from kiosk.cccd import looks_like_cccd, parse_cccd
from kiosk.citizen.booking_notice import EMAIL_RE
from kiosk.citizen.booking_rules import CODE_RE, PHONE_RE, parse_at
from kiosk.clock import now
from kiosk.errors import InvalidInput, KioskError
from kiosk.i18n import N_, _
from kiosk.ui.qt import QVARIANT, QVARIANT_LIST, Property, QObject, Signal, Slot

log = logging.getLogger(__name__)
STEPS = ("group", "day", "slot", "contact", "notify", "done")
_WEEKDAY = (N_("Thứ Hai"), N_("Thứ Ba"), N_("Thứ Tư"), N_("Thứ Năm"), N_("Thứ Sáu"),
            N_("Thứ Bảy"), N_("Chủ nhật"))
#: Days offered at most (the horizon may be longer; the citizen screen shows one row).
MAX_DAYS = 10


class CitizenBooking(QObject):
    changed = Signal()

    def __init__(self, citizen: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from kiosk.citizen.booking import BookingService

        self.citizen = citizen
        self.service = BookingService(citizen.queue)
        self._step = ""
        self._busy = False
        self._group = ""
        self._day = ""
        self._days: list[dict[str, Any]] = []
        self._slots: list[dict[str, Any]] = []
        self._at = ""
        self._phone = ""
        self._cccd = ""
        self._email = ""
        self._field = "phone"
        self._sms = False
        self._mail = False
        self._made: dict[str, Any] = {}
        #: Who makes the booking (the clerk's side sets the clerk signed in).
        self.actor: Any = lambda: "kiosk"
        #: The clerk's side offers the closed days too: a tap on one says why it is closed.
        self.closed_days = False
        citizen.on_reset.append(self.reset)

    # --- what the screen shows ------------------------------------------------------------

    step = Property(str, lambda self: self._step, notify=changed)
    busy = Property(bool, lambda self: self._busy, notify=changed)
    group = Property(str, lambda self: self._group, notify=changed)
    days = Property(QVARIANT_LIST, lambda self: list(self._days), notify=changed)
    slots = Property(QVARIANT_LIST, lambda self: list(self._slots), notify=changed)
    phone = Property(str, lambda self: self._phone, notify=changed)
    email = Property(str, lambda self: self._email, notify=changed)
    field = Property(str, lambda self: self._field, notify=changed)
    sms = Property(bool, lambda self: self._sms, notify=changed)
    mail = Property(bool, lambda self: self._mail, notify=changed)
    made = Property(QVARIANT, lambda self: dict(self._made), notify=changed)
    #: Only the last 4 digits of a CCCD read at the reader are ever shown.
    cccdShown = Property(str, lambda self: ("•" * 8 + self._cccd[-4:]) if self._cccd else "",
                         notify=changed)

    def _groups(self) -> list[dict[str, str]]:
        names = self.citizen.queue.services()
        return [{"code": g, "name": names.get(g, g)} for g in self.service.rules.capacities
                if g in names]

    groups = Property(QVARIANT_LIST, _groups, constant=True)

    def _summary(self) -> str:
        if not self._group:
            return ""
        parts = [dict((g["code"], g["name"]) for g in self._groups()).get(self._group, "")]
        if self._at:
            at = parse_at(self._at)
            parts.append(f"{at:%H:%M} {_(_WEEKDAY[at.weekday()])} {at:%d/%m/%Y}")
        elif self._day:
            parts.append(next((d["label"] for d in self._days if d["day"] == self._day), ""))
        return " · ".join(p for p in parts if p)

    summary = Property(str, _summary, notify=changed)

    def _contact_ok(self) -> bool:
        return bool(PHONE_RE.match(self._phone) or self._cccd)

    contactOk = Property(bool, _contact_ok, notify=changed)
    emailOk = Property(bool, lambda self: bool(EMAIL_RE.match(self._email)), notify=changed)

    # --- the steps ------------------------------------------------------------------------

    def _go(self, step: str) -> None:
        self._step = step
        self.changed.emit()
        self.citizen.show("booking")

    @Slot()
    def start(self) -> None:
        self.reset()
        groups = self._groups()
        if not groups:
            self.citizen.message.emit(_("Đơn vị chưa nhận đặt hẹn."))
            return
        if len(groups) == 1:
            self.chooseGroup(groups[0]["code"])
        else:
            self._go("group")

    def reset(self) -> None:
        self._step, self._group, self._day, self._at = "", "", "", ""
        self._days, self._slots, self._made = [], [], {}
        self._phone, self._cccd, self._email, self._field = "", "", "", "phone"
        self._sms = self._mail = False
        self.changed.emit()

    @Slot(str)
    def chooseGroup(self, group: str) -> None:
        self._group, self._day, self._at = group, "", ""
        self._days = self._open_days(group)
        self._go("day")

    def _open_days(self, group: str) -> list[dict[str, Any]]:
        rules, calendar, t = self.service.rules, self.service.calendar, now()
        out: list[dict[str, Any]] = []
        for n in range(rules.horizon_days + 1):
            day = t.date() + timedelta(days=n)
            is_open = any(s > t for s in rules.slots(calendar, group, day))
            if is_open or self.closed_days:
                label = _("Hôm nay") if n == 0 else _(_WEEKDAY[day.weekday()])
                out.append({"day": day.isoformat(), "label": f"{label} {day:%d/%m}",
                            "open": is_open})
            if sum(1 for d in out if d["open"]) >= MAX_DAYS:
                break
        return out

    @Slot(str)
    def chooseDay(self, day: str) -> None:
        self._day, self._at = day, ""
        group, service = self._group, self.service

        def work() -> list[dict[str, Any]]:
            # A closed day is refused with its reason (a holiday by name).
            service.rules.check_day(service.calendar, group, date.fromisoformat(day), now())
            return service.slots(group, date.fromisoformat(day))

        self._run(work, self._got_slots)

    def _got_slots(self, slots: list[dict[str, Any]]) -> None:
        self._slots = [{**s, "time": f"{parse_at(s['at']):%H:%M}"} for s in slots]
        self._go("slot")

    @Slot(str)
    def chooseSlot(self, at: str) -> None:
        self._at = at
        self._go("contact")

    @Slot(str)
    def back(self, step: str) -> None:
        if step in STEPS and self._step not in ("", "done"):
            self._go(step)

    @Slot(str)
    def typeKey(self, ch: str) -> None:
        if self._field == "email":
            self._email = (self._email + ch.lower())[:80]
        elif ch.isdigit():
            self._phone = (self._phone + ch)[:10]
            self._cccd = ""  # one or the other
        self.changed.emit()
        self.citizen.touched()

    @Slot()
    def eraseKey(self) -> None:
        if self._field == "email":
            self._email = self._email[:-1]
        else:
            self._phone = self._phone[:-1]
        self.changed.emit()

    @Slot(str)
    def setPhone(self, text: str) -> None:
        """The phone typed into a text field (the clerk's dialog): digits only."""
        self._phone = "".join(c for c in text if c.isdigit())[:10]
        if self._phone:
            self._cccd = ""  # one or the other
        self.changed.emit()

    @Slot(str)
    def setField(self, name: str) -> None:
        self._field = "email" if name == "email" else "phone"
        self.changed.emit()

    def take_cccd(self, text: str) -> bool:
        """The CCCD held to the reader at the contact step: its number books instead of a
        phone (only the last 4 digits are shown)."""
        if self._step != "contact":
            return False
        try:
            self._cccd = parse_cccd(text).id_number
        except KioskError as exc:
            self.citizen.message.emit(exc.message)
            return True
        self._phone = ""
        self.changed.emit()
        return True

    @Slot()
    def toNotify(self) -> None:
        if not self._contact_ok():
            self.citizen.message.emit(_("Nhập số điện thoại 10 số (bắt đầu bằng 0) hoặc đưa "
                                        "CCCD vào đầu đọc."))
            return
        # Nothing ticked in advance: consent is the citizen's own tap (Decree 13/2023).
        self._sms = self._mail = False
        self._field = "email"
        self._go("notify")

    @Slot(bool)
    def setSms(self, on: bool) -> None:
        self._sms = bool(on) and bool(self._phone)
        self.changed.emit()

    @Slot(bool)
    def setMail(self, on: bool) -> None:
        self._mail = bool(on)
        self.changed.emit()

    @Slot()
    def confirm(self) -> None:
        """Make the booking, print its slip, queue the notices the citizen agreed to."""
        if self._mail and not EMAIL_RE.match(self._email):
            self.citizen.message.emit(_("Địa chỉ e-mail «{email}» chưa đúng; sửa lại hoặc bỏ "
                                        "chọn gửi e-mail.", email=self._email))
            return
        group, at, service = self._group, parse_at(self._at), self.service
        phone, cccd, by = self._phone, self._cccd, str(self.actor())
        sms_to = phone if self._sms else ""
        mail_to = self._email if self._mail else ""
        citizen, config = self.citizen, self.citizen.services.config

        def work() -> dict[str, Any]:
            made = service.make(group, at, phone=phone or None, id_number=cccd or None,
                                by=by)
            name = service.queue.services().get(group, group)
            made["serviceName"] = name
            printer = citizen.printer()
            try:
                if printer is None:
                    raise InvalidInput(_("Chưa cấu hình máy in."))
                from kiosk.citizen.ticket import print_booking_slip

                made["print"] = print_booking_slip(made, name, config, printer)
            except KioskError as exc:
                made["printError"] = exc.message
            made["notices"] = self._send(made, name, sms_to, mail_to)
            from kiosk.citizen.board import qr_rows

            made["qr"] = qr_rows(made["code"])
            made["when"] = f"{parse_at(made['at']):%H:%M} {_(_WEEKDAY[at.weekday()])} {at:%d/%m/%Y}"
            return made

        self._run(work, self._made_done)

    def _send(self, made: dict[str, Any], name: str, phone: str, email: str) -> list[str]:
        """Queue and try at once; returns the channels queued (sent or waiting)."""
        if not phone and not email:
            return []
        from kiosk.citizen import booking_notice
        from kiosk.notices import send_booking_notices

        store, config = self.citizen.services.store, self.citizen.services.config
        subject, body = booking_notice.text(made, name, str(config.get("unit.name")),
                                            self.service.rules.release_minutes)
        store.call(lambda db: booking_notice.queue(db, made, phone=phone, email=email,
                                                   subject=subject, body=body))
        try:
            send_booking_notices(store, config)
        except KioskError as exc:  # stays queued for the next pass
            log.info("booking notice not sent now: %s", exc)
        return [c for c, a in (("sms", phone), ("email", email)) if a]

    def _made_done(self, made: dict[str, Any]) -> None:
        self._made = made
        log.info("citizen screen: booking %s at %s", made["code"], made["at"])
        if made.get("printError"):
            self.citizen.message.emit(_("Chưa in được phiếu hẹn: {error} Xin ghi lại mã hẹn "
                                        "{code}.", error=made["printError"], code=made["code"]))
        self._go("done")

    # --- check-in by the slip's QR -------------------------------------------------------

    @Slot(str)
    def checkin(self, code: str) -> None:
        service, citizen = self.service, self.citizen

        def work() -> dict[str, Any]:
            ticket = service.checkin(code)
            ticket["serviceName"] = service.queue.services().get(ticket["service"], "")
            at = parse_at(ticket["booking"]["at"])
            until = at + timedelta(minutes=service.rules.slot_minutes)
            ticket["booking"]["time"] = f"{at:%H:%M}"
            ticket["booking"]["until"] = f"{until:%H:%M}"
            return citizen.print_ticket(ticket)

        log.info("citizen screen: booking check-in %s", code)
        self._run(work, citizen.show_ticket, before_message=self._clear_for_message)

    def _clear_for_message(self) -> None:
        """A slip refused: the previous person's ticket or status must not stay beside the
        message, which would read as being about it."""
        if self.citizen.mode in ("ticket", "called", "status", "procedure"):
            self.citizen.backToBoard()

    def _run(self, work: Any, done: Any, before_message: Any = None) -> None:
        if self._busy:
            return
        self._busy = True
        self.changed.emit()

        def finished(result: Any) -> None:
            self._busy = False
            done(result)
            self.changed.emit()

        def failed(exc: BaseException) -> None:
            self._busy = False
            self.changed.emit()
            if before_message is not None:
                before_message()
            self.citizen.failed(exc)
            if self._step in ("contact", "notify") and self._at and \
                    isinstance(exc, InvalidInput):
                # Refused (filled meanwhile, already booked, started): the places as they are.
                self._step = "slot"
                self.chooseDay(self._day)

        self.citizen.tasks.run(work, finished, failed, lane="net")


def route(model: Any, booking: CitizenBooking, text: str) -> None:
    """A read at the self-service screen: a booking slip checks in, a CCCD at the booking's
    contact step books with its number, anything else is a receipt's code."""
    clean = text.strip()
    if CODE_RE.match(clean.upper()):
        booking.checkin(clean.upper())
    elif looks_like_cccd(clean):
        if not booking.take_cccd(clean):
            model.message.emit(_("Đây là thẻ CCCD. Để đặt lịch hẹn bằng CCCD, chạm «Đặt lịch "
                                 "hẹn» rồi đưa thẻ vào đầu đọc khi được hỏi."))
    else:
        model.lookupReceipt(clean)
