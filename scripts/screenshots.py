"""Render every screen of the counter app at 1366×768 into docs/screenshots/.

Scanned pages come from the fake driver's generated letters (the UI tests use the SANE
test backend). Run under a real X server so that the virtual keyboard appears:
``xvfb-run -s "-screen 0 1366x768x24" .venv/bin/python scripts/screenshots.py``
(it starts Xvfb itself when no DISPLAY is set). Uses a throw-away KIOSK_HOME with demo data.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def ensure_display(width: int, height: int) -> subprocess.Popen[bytes] | None:
    if os.environ.get("DISPLAY") or os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        return None
    if not shutil.which("Xvfb"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return None
    display = ":97"
    proc = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    os.environ["DISPLAY"] = display
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    return proc


def start_cups() -> object | None:
    """A private cupsd with a cups-pdf queue (as the tests use), so printing is real."""
    sys.path.insert(0, str(ROOT))
    from kiosk.devices.printer.private_cups import CupsServer, unavailable_reason

    if unavailable_reason():
        return None
    server = CupsServer().start()
    server.add_pdf_printer("KioskPDF", default=True)
    os.environ["CUPS_SERVER"] = server.socket
    return server


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="1366x768", help="window size, e.g. 1920x1080")
    parser.add_argument("--out", type=Path, default=None,
                        help="default: docs/screenshots (1366x768) or docs/screenshots/WxH")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    out = args.out or (OUT if args.size == "1366x768" else OUT / args.size)
    xvfb = ensure_display(width, height)
    home = Path(tempfile.mkdtemp(prefix="kiosk-shots-"))
    os.environ["KIOSK_HOME"] = str(home)
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import Q_ARG, QMetaObject, QObject

    from kiosk.ui.qt import QGuiApplication, QQuickItem

    qt_app = QGuiApplication(sys.argv[:1])
    from kiosk.demo import seed
    cups = start_cups()
    from kiosk.config import Config
    from kiosk.devices.scanner import create_driver
    from kiosk.ui.app import build_services, create_window

    # A serial (virtual COM) CCCD reader plugged in beside the keyboard wedge: a pty under
    # the name a USB CDC reader gets, so that Home's device panel shows both readers.
    reader_end, port_end = os.openpty()
    port = home / "ttyACM0"
    port.symlink_to(os.ttyname(port_end))
    config = Config.load()
    config.set("barcode.serial_port", str(port))
    config.save()
    # The fake driver feeds generated letters with seals: pages a clerk would recognise.
    # (The SANE test backend's pages are test patterns; the UI tests scan through it.)
    services = build_services(config, demo=True, scanner_factory=lambda: create_driver("fake"))
    codes = seed(services.store, progress=True)
    window = create_window(services)
    root = window.root()
    root.setProperty("width", width)
    root.setProperty("height", height)
    out.mkdir(parents=True, exist_ok=True)

    def settle(seconds: float = 0.6) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end or window.tasks.pending:
            qt_app.processEvents()
            time.sleep(0.02)
            if time.monotonic() > end + 20:
                break

    def on_screen(name: str) -> list[Any]:
        """The dialogs called ``name`` of the screen shown now. A screen left earlier
        lingers (processEvents() never runs deferred deletions), unparented from the screen
        loader, with its dialogs, which must not be opened."""
        found = []
        for popup in root.findChildren(QObject, name):
            screen = popup.parent()
            if isinstance(screen, QQuickItem) and screen.parentItem() is not None:
                found.append(popup)
        return found

    def hide_toast() -> None:
        for toast in root.findChildren(QObject, "toast"):
            toast.setProperty("opacity", 0)  # an earlier step's message is not this screen's

    def shot(name: str) -> None:
        settle()
        root.update()  # type: ignore[attr-defined]  # a full new frame, nothing left of the last
        settle(0.3)
        image = root.grabWindow()  # type: ignore[attr-defined]
        image.save(str(out / f"{name}.png"))
        print("wrote", out / f"{name}.png")

    shot("01-sign-in")
    window.app.signIn("0000")  # a wrong PIN: the message stays clear of the PIN pad
    shot("21-wrong-pin")
    window.app.signIn("1234")
    for toast in root.findChildren(QObject, "toast"):
        toast.setProperty("opacity", 0)  # the wrong PIN's message is not Home's
    window.home.refresh()
    shot("02-home")
    intake = window.intake
    intake.start()
    window.app.go("intake")
    intake.search("chung thuc")
    shot("03-intake-procedure")
    intake.chooseProcedure("1.001193")
    intake.applyCccd("001189012345||Nguyễn Thị Hồng Nhung|12051989|Nữ|"
                     "Thôn Đông, xã Mẫu, huyện Thường Tín, Hà Nội|20042021")
    intake.setField("phone", "0912345678")
    shot("04-intake-applicant")
    intake.next()
    for i in range(3):
        intake.setChecked(i, True)
    shot("05-intake-checklist")
    intake.next()
    def scan(index: int) -> None:
        intake.selectComponent(index)
        intake.scan()
        deadline = time.monotonic() + 120
        while intake.scanner.active and time.monotonic() < deadline:
            settle(0.3)
        settle(0.5)

    scan(0)
    scan(0)  # a two-page declaration (the viewer below turns its pages)
    intake.selectComponent(0)  # the scan moved on to the next document; show this one's pages
    shot("06-intake-scan")
    scan(1)
    intake.next()
    shot("07-intake-review")
    intake.save()
    settle(2)
    shot("08-intake-done")
    saved_code = intake.saved.get("code", codes[0])

    # An intake whose feeder pass was cut (power cut) and then resumed: the notice.
    intake.start()
    window.app.go("intake")
    intake.chooseProcedure("1.001193")
    intake.applyCccd("001189012345||Nguyễn Thị Hồng Nhung|12051989|Nữ|"
                     "Thôn Đông, xã Mẫu, huyện Thường Tín, Hà Nội|20042021")
    intake.setField("phone", "0912345678")
    intake.next()
    for i in (0, 1, 3):
        intake.tick(i, "")
    intake.next()
    scan(0)
    intake.session.interrupted = {"component": 0, "all": True}
    intake.selectComponent(0)
    intake.changed.emit()
    hide_toast()
    shot("26-interrupted-batch")
    intake.dismissInterrupted()

    # Another citizen's card read mid-intake: asked, nothing changed yet.
    window.services.extras["route_read"](
        "034092001122||Trần Văn Đức|01021992|Nam|Xóm Bến, xã Mẫu, Hà Nội|05052021")
    hide_toast()
    shot("24-card-switch")
    intake.ignoreCard()
    # «Trang chính» with an intake in progress: asked, the draft kept either way.
    window.app.leave("home")
    shot("25-leave-intake")
    window.app.stayHere()

    # A message with the field being typed into: placed clear of it and of the keys.
    intake.goTo("applicant")
    settle()
    fields = [f for f in root.findChildren(QQuickItem, "fieldNameInput") if f.isVisible()]
    root.requestActivate()  # type: ignore[attr-defined]
    if fields:
        fields[-1].forceActiveFocus()
        QGuiApplication.inputMethod().show()
    settle(1.5)
    window.app.error("Số điện thoại không đúng (ví dụ 0912345678).", cause="intake.problem")
    shot("27-message-clear-of-field")
    window.app.resolve("intake.problem")
    if fields:
        fields[-1].setProperty("focus", False)
    QGuiApplication.inputMethod().hide()
    root.contentItem().forceActiveFocus()
    del fields
    settle(0.5)
    window.returns.clear()
    window.app.go("return")
    window.returns.find(codes[3])
    shot("09-return")
    window.app.go("lookup", "search")
    window.lookup.search("nguyen")
    shot("10-lookup")
    window.app.go("lookup", "overdue")
    window.lookup.loadOverdue()
    shot("11-overdue")
    window.detail.load(codes[4])
    window.app.go("detail", codes[4])
    shot("12-detail")
    window.app.lock()
    window.app.signIn("9999")
    window.app.go("settings")
    shot("13-settings")
    lists = [x for x in root.findChildren(QQuickItem, "settingsList") if x.isVisible()]
    if lists:  # the scanner picked from what is connected, then the barcode readers
        keys = [row["key"] for row in window.settings.rows.rows()]
        QMetaObject.invokeMethod(lists[-1], "positionViewAtIndex",
                                 Q_ARG(int, keys.index("scanner.device")), Q_ARG(int, 0))
    shot("22-settings-devices")
    del lists
    # A new intake, left half-way (it is the draft on Home below).
    intake.start()
    window.app.go("intake")
    intake.chooseProcedure("1.004873")
    intake.applyCccd("036085007788|162345678|Phạm Quốc Việt|05031985|Nam|"
                     "Thôn Nam, xã Mẫu, huyện Thường Tín, Hà Nội|11062021")
    settle()

    fields = [f for f in root.findChildren(QQuickItem, "fieldNameInput") if f.isVisible()]
    field = fields[-1] if fields else None
    print("platform:", QGuiApplication.platformName(), "field:", field is not None)
    root.requestActivate()  # type: ignore[attr-defined]
    settle(0.5)
    if field is not None:
        field.forceActiveFocus()
        QGuiApplication.inputMethod().show()
    settle(1.5)
    panel = root.findChild(QQuickItem, "inputPanel")
    print("keyboard active:", panel.property("active") if panel else None,
          "focus:", field.hasActiveFocus() if field else None, "window active:",
          root.isActive(), "focus item:", root.activeFocusItem())
    shot("14-virtual-keyboard")
    if field is not None:
        field.setProperty("focus", False)
    QGuiApplication.inputMethod().hide()
    root.contentItem().forceActiveFocus()
    del fields, field, panel
    settle(0.5)

    # A draft waiting on Home (the intake above was left half-way), and its discard question.
    window.app.go("home")
    intake.loadDrafts()
    settle(1)
    shot("15-home-draft")
    drafts = window.intake.drafts
    for popup in on_screen("discardConfirm"):
        if drafts.count:
            popup.setProperty("label", drafts.get(0)["label"])
        QMetaObject.invokeMethod(popup, "open")
    settle(0.6)
    shot("16-discard-confirm")
    for popup in on_screen("discardConfirm"):
        QMetaObject.invokeMethod(popup, "close")
    settle(0.4)

    # A proxy collects the result: their CCCD read fills who collects it.
    window.returns.clear()
    window.app.go("return")
    window.returns.find(codes[3])
    settle(1)
    window.services.extras["route_read"](
        "001190001234||Trần Thị Bưởi|02021990|Nữ|Thôn Đông, xã Mẫu, Hà Nội|01012022")
    shot("23-return-proxy-card")

    # The hand-over just recorded.
    window.returns.clear()
    window.app.go("return")
    window.returns.find(codes[3])
    settle(1)
    window.returns.handOver(False, "", "")
    shot("17-return-handed-over")

    # The apology letter dialog and the document viewer on the overdue dossier.
    window.detail.load(codes[4])
    window.app.go("detail", codes[4])
    settle(1)
    for popup in on_screen("apologyDialog"):
        QMetaObject.invokeMethod(popup, "open")
    settle(0.5)
    # The reason typed on the on-screen keyboard, which lies over the dialog's old place:
    # the dialog sits above the keys.
    reasons = [f for f in root.findChildren(QQuickItem, "apologyReasonInput") if f.isVisible()]
    if reasons:
        root.requestActivate()  # type: ignore[attr-defined]
        reasons[-1].forceActiveFocus()
        reasons[-1].setProperty("text", "Chờ kết quả xác minh của UBND huyện")
        QGuiApplication.inputMethod().show()
    settle(1.5)
    shot("18-apology-dialog")
    QGuiApplication.inputMethod().hide()
    for popup in on_screen("apologyDialog"):
        QMetaObject.invokeMethod(popup, "close")
    root.contentItem().forceActiveFocus()
    del reasons, popup
    window.detail.load(saved_code)
    window.app.go("detail", saved_code)
    settle(1)
    def walk(item: Any) -> Any:
        yield item
        for child in item.childItems():
            yield from walk(child)

    docs = [d for d in walk(root.contentItem()) if d.objectName().startswith("document_")
            and d.isVisible()]
    if docs:
        QMetaObject.invokeMethod(docs[0], "clicked")
    settle(1.5)
    for button in [b for b in walk(root.contentItem()) if b.objectName() == "pageNext"
                   and b.isVisible()]:
        QMetaObject.invokeMethod(button, "clicked")  # the second page, «Trang 2/2»
    settle(1.0)
    shot("19-document-viewer")
    for popup in on_screen("pageViewer"):
        QMetaObject.invokeMethod(popup, "close")

    # No printer at all: what the clerk reads (and the admin's details button).
    from kiosk.devices.printer.cups import CupsPrinter

    window.services.printer.printer = CupsPrinter(str(home / "no-cups.sock"))
    window.services.printer.print_form(saved_code)
    settle(1)
    shot("20-no-printer")
    window.close()
    os.close(reader_end)
    os.close(port_end)
    if cups is not None:
        cups.stop()  # type: ignore[attr-defined]
    if xvfb is not None:
        xvfb.terminate()
    shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
