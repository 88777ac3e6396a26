"""Issue 27: the clerk books a time for a citizen from Home, on the real input path.

The app on Xvfb (tests/ui/xserver.py), its clock fixed at Monday 28/12/2026 07:20 so that
New Year's Day is within the booking horizon; every tap an X click (xdotool), the phone
typed with the on-screen keyboard's own keys, a CCCD read by a keyboard-wedge reader (an X
key burst), the slip printed through CUPS (cups-pdf). Refusals: the holiday, the same phone
twice in one slot, a slot filled meanwhile by another counter; each said in the dialog.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.ui.touch import Finger, overlaps
from tests.ui.xserver import AppProcess, XServer, missing_tools

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))
START = "2026-12-28T07:20:00+07:00"  # a Monday; 01/01/2027 is a holiday
CCCD = "001189012345||Nguyen Thi Hong Nhung|12051989|Nu|Thon Dong, Xa Mau, Ha Noi|20042021"
SHOTS = os.environ.get("KIOSK_SCREENSHOTS", "")


@pytest.fixture
def app(xserver: XServer, kiosk_home: Path, cups: Any) -> Iterator[AppProcess]:
    from kiosk import clock

    clock.set_source(lambda: clock.parse_iso(START))
    config = {"printer.name": "KioskPDF", "ui.citizen_screen": "off",
              "barcode.wedge_max_gap_ms": 250}
    proc = AppProcess(xserver, kiosk_home, {"CUPS_SERVER": cups.socket,  # type: ignore[attr-defined]
                                            "KIOSK_TEST_CONFIG": json.dumps(config)})
    proc.call(f"from kiosk import clock\nclock.set_source(lambda: clock.parse_iso({START!r}))\n"
              "assert app.signIn('1234')\n"
              "booking = win.engine.rootContext().contextProperty('clerkBooking')")
    window = proc.call("result = int(root.winId())")
    xserver.xdotool("windowfocus", "--sync", str(window))
    try:
        yield proc
    finally:
        proc.stop()
        clock.set_source(None)


def shot(app: AppProcess, name: str, tmp: Path) -> Path:
    path = Path(SHOTS) / name if SHOTS else tmp / name
    app.call(f"root.grabWindow().save({str(path)!r})")
    return path


def problem(finger: Finger, words: str) -> str:
    text: str = finger.wait(
        f"p = booking.problem; result = p if {words!r} in p else None", f"«{words}»")
    return text


def slot_step(finger: Finger, day: str, slot: str) -> None:
    finger.tap(f"clerkBookDay_{day}")
    finger.tap(f"clerkBookSlot_{slot}")
    finger.wait("result = booking.step == 'contact'", "the contact step")


def type_phone(finger: Finger, phone: str) -> None:
    finger.tap("clerkBookPhoneInput")
    # The phone stays after a refusal (another slot for the same person): erase it first.
    for _n in range(len(str(finger.app.call("result = booking.phone")))):
        finger.tap_key("<backspace>")
    for digit in phone:
        finger.tap_key(digit)
    finger.wait(f"result = booking.phone == {phone!r}", f"the phone {phone}")


def test_clerk_books_with_phone_and_cccd_and_is_told_each_refusal(
        app: AppProcess, xserver: XServer, kiosk_home: Path, tmp_path: Path) -> None:
    from kiosk import clock
    from kiosk.citizen.booking import BookingService
    from kiosk.citizen.queue import QueueService
    from kiosk.config import Config
    from kiosk.storage import Store

    finger = Finger(xserver, app)
    finger.tap("clerkBookButton")
    # One group takes bookings (the default, A): its days at once, the holiday among them.
    finger.wait("result = booking.step == 'day'", "the days")
    finger.tap("clerkBookDay_2027-01-01")
    problem(finger, "Ngày 01/01/2027 là ngày nghỉ lễ")
    assert app.call("result = booking.step") == "day"
    shot(app, "clerk-booking-holiday.png", tmp_path)

    # 1. The phone typed with the on-screen keys; the field and the button above the keys.
    slot_step(finger, "2026-12-28", "0730")
    finger.tap("clerkBookPhoneInput")
    keyboard = finger.keyboard()
    for name in ("clerkBookPhoneInput", "clerkBookConfirm"):  # (not enabled yet: no phone)
        rect = app.call(f"result = spot({name!r})")["rect"]
        assert rect[1] >= 0 and rect[1] + rect[3] <= keyboard["top"], (name, rect, keyboard)
        assert not overlaps(rect, keyboard["rect"]), (name, rect, keyboard)
    type_phone(finger, "0912345678")
    shot(app, "clerk-booking-contact.png", tmp_path)
    finger.tap("clerkBookConfirm")
    made = finger.wait("m = dict(booking.made); result = m if m.get('code') and "
                       "booking.step == 'done' else None", "the booking")
    assert made["at"] == "2026-12-28T07:30:00+07:00" and made["print"]["job"]
    assert app.call("result = root.findChild(QObject, 'clerkBookCode').property('text')"
                    ) == made["code"]
    path = shot(app, "clerk-booking-done.png", tmp_path)
    assert path.stat().st_size > 0

    # 2. The same phone again in the same slot: refused, back to the day's slots.
    finger.tap("clerkBookAnother")
    slot_step(finger, "2026-12-28", "0730")
    type_phone(finger, "0912345678")
    finger.tap("clerkBookConfirm")
    problem(finger, f"đã có lịch hẹn {made['code']}")
    finger.wait("result = booking.step == 'slot'", "the slots again")
    shot(app, "clerk-booking-twice.png", tmp_path)

    # 3. 08:00 filled by another counter while the clerk was typing: refused, shown full.
    finger.tap("clerkBookSlot_0800")
    type_phone(finger, "0987654321")
    config = Config.load()
    with Store(orphan_grace_seconds=None) as store:
        queue = QueueService(store, config, client=lambda: None)
        other = BookingService(queue)
        at = datetime(2026, 12, 28, 8, 0, tzinfo=clock.TZ)
        for n in range(other.rules.capacity("A", at.date())):
            other.make("A", at, phone=f"090000000{n}", by="clerk2")
        queue.close()
    finger.tap("clerkBookConfirm")
    problem(finger, "hết chỗ")
    finger.wait("s = spot('clerkBookSlot_0800'); result = s and not s['enabled']",
                "08:00 shown full")

    # 4. A CCCD read by a keyboard-wedge reader at the contact step books with its number.
    finger.tap("clerkBookSlot_0830")
    finger.wait("result = booking.step == 'contact'", "the contact step")
    xserver.scan(CCCD, delay_ms=10)
    shown = finger.wait("s = spot('clerkBookCccd'); result = s and root.findChild("
                        "QObject, 'clerkBookCccd').property('text')", "the CCCD")
    assert shown.endswith("2345") and "001189012345" not in shown
    assert app.call("result = booking.phone + root.findChild(QObject, "
                    "'clerkBookPhoneInput').property('text')") == ""  # one or the other
    finger.tap("clerkBookConfirm")
    second = finger.wait("m = dict(booking.made); result = m.get('code') if "
                         "booking.step == 'done' else None", "the second booking")
    finger.tap("clerkBookClose")
    assert app.wait_for("result = spot('clerkBookDialog') is None and booking.step", "") == ""
    app.stop()

    with Store(orphan_grace_seconds=None) as store:
        rows = {r["code"]: r for r in store.read(lambda db: list(db.query(
            "SELECT code, at, phone, id_number, made_by FROM bookings")))}
    assert rows[made["code"]]["phone"] == "0912345678"
    assert rows[made["code"]]["made_by"] == rows[second]["made_by"] == "canbo"  # the demo clerk
    assert rows[second]["id_number"] == "001189012345"
    assert rows[second]["at"] == "2026-12-28T08:30:00+07:00"
