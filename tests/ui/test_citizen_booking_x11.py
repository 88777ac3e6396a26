"""Issue 27: booking a time and checking it in at the self-service citizen screen.

``kiosk run --citizen`` under Xvfb in its own process (tests/ui/citizen_xapp.py) with the
clock fixed at Monday 07/12/2026 07:20; every tap is a real X click (xdotool). A booking made
with the phone typed on the screen's keys (its code sent by SMS to a gateway on loopback,
the e-mail kept waiting as no mail server is set up), a second with the CCCD read by a serial
reader (a socat pty pair); the slip printed through CUPS. Then the first slip's code read by
a keyboard-wedge reader (a burst of X key events) checks it in: the ticket is shown, and
called before a walk-in who came earlier. Every refusal of a slip is said on the screen.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.ui.citizen_xapp import CCCD
from tests.ui.conftest import configure
from tests.ui.test_citizen_screens import XApp, xvfb  # noqa: F401

pytestmark = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xdotool") and shutil.which("socat")),
    reason="needs Xvfb, xdotool and socat")
START = "2026-12-07T07:20:00+07:00"  # a Monday


class Gateway:
    """The province's SMS gateway as the counter sees it: POST {"id", "to", "text"}."""

    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []
        got = self.got

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def kiosk_app(xvfb: str, kiosk_home: Path, cups: Any, tmp_path: Path,  # noqa: F811
              monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[XApp, Any, Gateway]]:
    from kiosk import clock
    from tests.devices.socat_reader import SerialReader

    moment = [clock.parse_iso(START)]
    clock.set_source(lambda: moment[-1])
    monkeypatch.setenv("KIOSK_TEST_NOW", START)
    reader = SerialReader(tmp_path)
    reader.plug()
    gateway = Gateway()
    config = configure()
    config.set("printer.name", "KioskPDF")
    config.set("barcode.serial_port", str(reader.port))
    config.set("notify.sms_url", gateway.url)
    config.set("citizen.idle_seconds", 300)
    config.set("unit.name", "UBND xã Mẫu")
    config.save()
    app = XApp(xvfb, kiosk_home, cups.socket, tmp_path, citizen=True)
    app.moment = moment  # type: ignore[attr-defined]
    try:
        yield app, reader, gateway
    finally:
        app.stop()
        reader.unplug()
        gateway.stop()
        clock.set_source(None)


def toast(app: XApp, words: str) -> dict[str, Any]:
    return app.wait(lambda s: words in s["citizen"].get("toastText", {}).get("text", ""))


def wedge(app: XApp, display: str, text: str) -> None:
    """A keyboard-wedge reader's burst: the characters, then Return."""
    window = subprocess.run(["xdotool", "search", "--name", "công dân"], text=True,
                            capture_output=True, env={**os.environ, "DISPLAY": display},
                            check=True).stdout.split()[0]
    app.xdo("windowfocus", "--sync", window)  # no window manager: focus it directly
    app.xdo("key", "--delay", "4", *text, "Return")


def book_until_contact(app: XApp) -> None:
    app.tap_until("citizen", "bookButton", lambda s: s["step"] == "day")
    app.tap_until("citizen", "bookDay_2026-12-07", lambda s: s["step"] == "slot")
    app.tap_until("citizen", "bookSlot_0730", lambda s: s["step"] == "contact")


def test_book_at_the_screen_then_check_in_by_the_slips_qr(
        kiosk_app: tuple[XApp, Any, Gateway], kiosk_home: Path, tmp_path: Path,
        xvfb: str) -> None:  # noqa: F811
    from kiosk.citizen.booking import BookingService
    from kiosk.citizen.queue import QueueService
    from kiosk.config import Config
    from kiosk.storage import Store

    app, reader, gateway = kiosk_app
    app.wait(lambda s: s["mode"] == "board" and "bookButton" in s["citizen"])
    # A walk-in takes a number first.
    app.tap_until("citizen", "takeTicket_A", lambda s: s["mode"] == "ticket")
    walk_in = app.state()["ticket"]["label"]

    # 1. By phone, with the code sent by SMS and e-mail.
    app.tap_until("citizen", "bookButton", lambda s: s["step"] == "day")
    app.shot("citizen", "booking-days.png", tmp_path)
    app.tap_until("citizen", "bookDay_2026-12-07", lambda s: s["step"] == "slot")
    state = app.wait(lambda s: "bookSlot_0730" in s["citizen"])
    assert "bookSlot_0700" not in state["citizen"]  # started already
    assert state["citizen"]["bookSlot_0730"]["enabled"]
    app.shot("citizen", "booking-slots.png", tmp_path)
    app.tap_until("citizen", "bookSlot_0730", lambda s: s["step"] == "contact")
    for digit in "0912345678":
        app.tap("citizen", f"bookKey_{digit}")
        app.wait(lambda s, d=digit: s["phone"].endswith(d))
    app.shot("citizen", "booking-contact.png", tmp_path)
    app.tap_until("citizen", "bookContactNext", lambda s: s["step"] == "notify")
    # The phone given: SMS offered, not ticked in advance (consent is the citizen's tap).
    assert "☐" in app.state()["citizen"]["bookSms"]["text"]
    app.tap_until("citizen", "bookSms", lambda s: "☑" in s["citizen"]["bookSms"]["text"])
    app.tap_until("citizen", "bookMail", lambda s: "bookEmail" in s["citizen"])
    for key in ("A", "@", "B", ".", "V", "N"):
        before = app.state()["email"]
        app.tap("citizen", f"key_{key}")
        app.wait(lambda s, b=before: len(s["email"]) == len(b) + 1)
    assert app.state()["email"] == "a@b.vn"
    app.shot("citizen", "booking-notify.png", tmp_path)
    app.tap_until("citizen", "bookConfirm", lambda s: s["step"] == "done")
    made = app.wait(lambda s: s["made"].get("code") and "bookQr" in s["citizen"])["made"]
    code = made["code"]
    assert made["at"] == "2026-12-07T07:30:00+07:00" and made["print"]["job"]
    assert made["notices"] == ["sms", "email"]
    app.shot("citizen", "booking-done.png", tmp_path)
    app.send(cmd="shot", path=str(tmp_path / "qr.png"))
    assert decode(tmp_path / "qr.png") == [code]  # the QR on the screen reads as the code
    assert len(gateway.got) == 1 and gateway.got[0]["to"] == "0912345678"
    assert code in gateway.got[0]["text"] and "07:30 ngày 07/12/2026" in gateway.got[0]["text"]
    app.tap_until("citizen", "bookDone", lambda s: s["mode"] == "board")

    # 2. By the CCCD read on the serial reader (no phone: no SMS offered).
    book_until_contact(app)
    reader.send(CCCD.encode() + b"\r\n")
    shown = app.wait(lambda s: "bookCccd" in s["citizen"])["citizen"]["bookCccd"]["text"]
    assert shown.endswith("7788") and "036085007788" not in shown
    app.tap_until("citizen", "bookContactNext", lambda s: s["step"] == "notify")
    assert "bookSms" not in app.state()["citizen"]
    app.tap_until("citizen", "bookConfirm", lambda s: s["step"] == "done")
    second = app.wait(lambda s: s["made"].get("code"))["made"]["code"]
    assert second != code and app.state()["made"]["notices"] == []
    app.tap_until("citizen", "bookDone", lambda s: s["mode"] == "board")

    # 3. The first slip read by a keyboard-wedge reader: checked in, ticket printed.
    wedge(app, xvfb, code)
    state = app.wait(lambda s: s["mode"] == "ticket" and s["ticket"].get("booking"))
    ticket = state["ticket"]
    assert ticket["booking"]["code"] == code and ticket["booked_until"]
    assert "ticketBooking" in state["citizen"] and "08:00" in \
        state["citizen"]["ticketBooking"]["text"]
    assert ticket["ahead"] == 0  # ahead of the walk-in who came before
    app.shot("citizen", "booking-checked-in.png", tmp_path)

    # 4. Refusals, each said on the screen.
    config = Config.load()
    with Store(orphan_grace_seconds=None) as store:
        queue = QueueService(store, config, client=lambda: None)
        service = BookingService(queue)
        later = service.make("A", datetime(2026, 12, 7, 8, 0, tzinfo=ticket_zone()),
                             phone="0987654321")["code"]
        service.cancel(later)
        tomorrow = service.make("A", datetime(2026, 12, 8, 8, 0, tzinfo=ticket_zone()),
                                phone="0987654321")["code"]
        queue.close()
    wedge(app, xvfb, code)
    toast(app, f"Lịch hẹn {code} đã nhận số {ticket['label']}")
    reader.send(b"HAAAAAA\r\n")
    toast(app, "Không tìm thấy lịch hẹn HAAAAAA")
    reader.send(later.encode() + b"\r\n")
    toast(app, "đã bị huỷ")
    reader.send(tomorrow.lower().encode() + b"\r\n")  # a reader under CapsLock
    toast(app, "là ngày 08/12/2026 lúc 08:00, không phải hôm nay")
    app.moment[-1] += timedelta(minutes=30)  # type: ignore[attr-defined]
    app.send(cmd="clock", at="2026-12-07T07:50:00+07:00")
    app.wait(lambda s: s["now"].startswith("2026-12-07T07:50"))
    reader.send(second.encode() + b"\r\n")
    state = toast(app, "đã quá giờ nhận số nên đã huỷ")
    assert state["mode"] == "board"  # the previous person's ticket is not left beside it
    app.shot("citizen", "booking-refused.png", tmp_path)
    app.stop()

    with Store(orphan_grace_seconds=None) as store:
        rows = {r["code"]: r for r in store.read(lambda db: list(db.query(
            "SELECT code, state, phone, id_number, made_by, ticket_label FROM bookings")))}
        notices = store.read(lambda db: list(db.query(
            "SELECT channel, address, state FROM booking_notices ORDER BY channel")))
        queue = QueueService(store, config, client=lambda: None)
        first_called = queue.call_next("clerk1")
        queue.close()
    assert rows[code]["state"] == "checked_in" and rows[code]["ticket_label"] == ticket["label"]
    assert rows[code]["made_by"] == "kiosk" and rows[code]["phone"] == "0912345678"
    assert rows[second]["state"] == "released" and rows[second]["id_number"] == "036085007788"
    assert [(n["channel"], n["address"], n["state"]) for n in notices] == [
        ("email", "a@b.vn", "pending"), ("sms", "0912345678", "sent")]
    assert first_called is not None and first_called["label"] == ticket["label"] != walk_in


def ticket_zone() -> Any:
    from kiosk import clock

    return clock.TZ


def decode(png: Path) -> list[str]:
    import time

    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    for _attempt in range(50):  # the app may still be writing the file
        try:
            image = Image.open(png).convert("RGB")
            break
        except (UnidentifiedImageError, OSError):
            time.sleep(0.1)
    return [r.text for r in zxingcpp.read_barcodes(image)]
