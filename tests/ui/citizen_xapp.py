"""The counter app on a real X display (xcb), for tests that drive it with X input.

Run as a subprocess by tests/ui/test_citizen_screens.py: it starts ``create_window`` (the
clerk's window and, per ``ui.citizen_screen``, the citizen window), writes what the test needs
to find on screen (the global centre of named items, per window and X screen) and the models'
state to ``state.json`` five times a second, and runs a few set-up commands read from stdin
(one JSON object a line): the clerk's own typing is not what these tests are about, the
citizen's taps and the clerk's buttons are, and those come from xdotool.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
from pathlib import Path
from typing import Any

WANTED = {"confirmButton", "correctButton", "rate1", "rate2", "rate3", "reason_attitude",
          "reason_time", "reason_guidance", "reason_other", "takeTicket_A", "takeTicket_B",
          "saveButton", "callNextButton", "handOverButton", "checkName", "checkId",
          "ticketLabel", "calledLabel", "thanks", "citizenConfirmState", "board_1.001193",
          "boardSearch", "statusLabel", "receiptMode", "key_space", "key_back", "key_enter",
          "statusAdvice", "statusCode", "detailName", "procedureQr", "toastText", "reasonBack",
          "thanksTicket_A", "queueRecall", "queueHold", "queueNoshow", "queueTransfer",
          "transferTo_A", "transferTo_B", "heldTicket_A1-01", "heldTicket_A1-02", "priorityButton",
          "priority_nguoi-cao-tuoi", "priority_none", "unscannedReason0",
          # issue 27: booking at the self-service screen
          "bookButton", "bookCancel", "bookContactNext", "bookSms", "bookMail", "bookEmail",
          "bookConfirm", "bookCode", "bookQr", "bookDone", "bookCccd", "bookPhone",
          "bookKey_back", "bookBackDay", "ticketBooking", "bookGroup_A", "bookGroup_B"} | {
          f"key_{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZĐ0123456789.-@_"} | {
          f"bookKey_{d}" for d in "0123456789"} | {
          f"bookSlot_{h:02d}{m:02d}" for h in range(7, 17) for m in (0, 30)} | {
          f"bookDay_2026-12-{d:02d}" for d in range(1, 32)}

MOMENT: list[Any] = []
CCCD = ("036085007788|162345678|Phạm Quốc Việt|05031985|Nam|"
        "Thôn Nam, xã Mẫu, huyện Thường Tín, Hà Nội|11062021")


def items(window: Any) -> dict[str, Any]:
    """Named items a finger could tap now: visible, and inside every clipping ancestor."""
    from PySide6.QtCore import QPointF, QRectF

    from kiosk.ui.qt import QQuickItem

    found: dict[str, Any] = {}

    def walk(item: QQuickItem, clip: QRectF) -> None:
        for child in item.childItems():
            if not child.isVisible():
                continue
            here = clip
            if child.clip():
                rect = child.mapRectToScene(QRectF(0, 0, child.width(), child.height()))
                here = clip.intersected(rect)
            name = child.objectName()
            if name in WANTED and child.width() > 0:
                middle = QPointF(child.width() / 2, child.height() / 2)
                if here.contains(child.mapToScene(middle)):
                    centre = child.mapToGlobal(middle)
                    found[name] = {"x": round(centre.x()), "y": round(centre.y()),
                                   "enabled": bool(child.isEnabled()),
                                   "text": str(child.property("text") or "")}
            walk(child, here)

    walk(window.contentItem(), QRectF(0, 0, window.width(), window.height()))
    overlay = window.property("overlay")  # popups live here, beside the content
    if overlay is not None:
        walk(overlay, QRectF(0, 0, window.width(), window.height()))
    return found


def main() -> int:
    state_path = Path(sys.argv[1])
    import logging

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from kiosk.ui.qt import QGuiApplication, QObject, QTimer

    qt_app = QGuiApplication(sys.argv[:1])
    import os

    if os.environ.get("KIOSK_TEST_NOW"):  # a fixed moment, moved by the "clock" command
        from kiosk import clock

        MOMENT.append(clock.parse_iso(os.environ["KIOSK_TEST_NOW"]))
        clock.set_source(lambda: MOMENT[-1])
    from kiosk.config import Config
    from kiosk.ui.app import build_services, create_window

    services = build_services(Config.load(), demo=True)
    if "--citizen" in sys.argv:
        return self_service(qt_app, services, state_path)
    win = create_window(services)
    side = next(e for e in win.extras if type(e).__name__ == "CitizenSide")
    assert win.app.signIn("1234")
    commands: queue.Queue[dict[str, Any]] = queue.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            if line.strip():
                commands.put(json.loads(line))
        commands.put({"cmd": "quit"})

    threading.Thread(target=read_stdin, daemon=True).start()
    intake, app, returns = win.intake, win.app, win.returns
    pending_scans: list[int] = []

    def run(cmd: dict[str, Any]) -> None:
        name = cmd["cmd"]
        if name == "intake":
            intake.start()
            app.go("intake")
            intake.search(cmd.get("search", "cap ban sao trich luc"))
            intake.chooseProcedure(intake.procedures.get(0)["code"])
            services.extras["route_read"](CCCD)
            intake.setField("phone", "0868123456")
            intake.next()
            for i, comp in enumerate(intake.session.components):
                intake.setChecked(i, comp.mandatory)
            intake.next()
            pending_scans.extend(i for i, c in enumerate(intake.session.components)
                                 if c.checked and c.copy_kind != "present")
        elif name == "return":
            store = services.store
            code = cmd["code"]
            store.change_status(code, 4, "central")
            store.change_status(code, 9, "central", "Đã ký kết quả")
            returns.clear()
            app.go("return")
            returns.find(code)
        elif name == "home":
            app.go("home")
        elif name == "read":  # what a keyboard-wedge or serial reader delivers
            services.extras["route_read"](cmd["text"])
        elif name == "shot":
            target = win.root() if cmd["window"] == "clerk" else side.root()
            target.grabWindow().save(cmd["path"])
        elif name == "quit":
            qt_app.quit()

    def scan_next() -> None:
        if not pending_scans or intake.scanner.active or win.tasks.pending:
            return
        i = pending_scans.pop(0)
        intake.selectComponent(i)
        intake.scan()

    def tick() -> None:
        while not commands.empty():
            try:
                run(commands.get_nowait())
            except Exception as exc:  # reported to the test through the state file
                print(f"command failed: {exc!r}", file=sys.stderr, flush=True)
        scan_next()
        if (not pending_scans and not intake.scanner.active and intake.stepName == "scan"
                and not intake.problems):
            intake.next()  # all scanned: to the review step
        citizen = side.model
        screens = QGuiApplication.screens()
        state = {
            "screens": [s.name() for s in screens],
            "clerk_screen": screens.index(win.root().screen()),
            "citizen_screen": screens.index(side.root().screen()) if side.root() else None,
            "clerk": items(win.root()), "citizen": items(side.root()) if side.root() else {},
            "clerk_context_has_citizen": win.engine.rootContext().contextProperty(
                "citizen") is not None,
            "mode": citizen.mode if citizen else None,
            "confirmed": bool(citizen and citizen.confirmed),
            "reason_needed": bool(citizen and citizen.reasonNeeded),
            "step": intake.stepName, "saved": intake.saved.get("code", ""),
            "screen": app.screen, "returned": bool(returns.returned),
            "can_return": bool(returns.dossier.get("canReturn")),
            "ticket": citizen.ticket if citizen else {},
            "called": citizen.called if citizen else {},
            "chime_attempts": side.chime.attempts, "chime_status": side.chime.last_status,
            "voice_attempts": side.chime.voice.attempts if side.chime.voice else 0,
            "queue_current": side.queue_link.current if side.queue_link else {},
            "query": citizen.query if citizen else "",
            "keyboard_on_clerk": bool(QGuiApplication.inputMethod().isVisible()),
            "busy": win.tasks.pending, "scanning": intake.scanner.active,
            "problems": list(intake.problems),
            "last_print": services.printer.last_job if services.printer else None,
            "toast_dismissed_by": win.root().findChild(QObject, "toast").property(
                "dismissedBy"),
        }
        tmp = state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, default=str))
        tmp.replace(state_path)

    timer = QTimer()
    timer.setInterval(200)
    timer.timeout.connect(tick)
    timer.start()
    try:
        return int(qt_app.exec())
    finally:
        timer.stop()
        win.close()


def self_service(qt_app: Any, services: Any, state_path: Path) -> int:
    """``kiosk run --citizen``: the citizen screen alone."""
    from kiosk.ui.app import create_self_service
    from kiosk.ui.qt import QTimer

    side = create_self_service(services)
    from kiosk.ui.qt import QEvent, QObject

    class KeyCount(QObject):
        n = 0

        def eventFilter(self, watched: Any, event: Any) -> bool:
            if event.type() == QEvent.Type.KeyPress:
                KeyCount.n += 1
            return False

    counter = KeyCount()
    qt_app.installEventFilter(counter)

    from kiosk import clock

    def tick() -> None:
        citizen = side.model
        booking = side.booking
        state = {"citizen_screen": 0, "citizen": items(side.root()), "mode": citizen.mode,
                 "ticket": citizen.ticket, "step": booking.step, "made": {
                     k: v for k, v in booking.made.items() if k != "qr"},
                 "phone": booking.phone, "email": booking.email, "busy": booking.busy,
                 "now": clock.iso(clock.now()),
                 "status": citizen.status, "query": citizen.query, "keys": KeyCount.n,
                 "readers": side.readers.rows() if side.readers is not None else [],
                 "all_text": texts(side.root())}
        tmp = state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, default=str))
        tmp.replace(state_path)

    commands: queue.Queue[dict[str, Any]] = queue.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            if line.strip():
                commands.put(json.loads(line))
        commands.put({"cmd": "quit"})

    def step() -> None:
        while not commands.empty():
            cmd = commands.get_nowait()
            if cmd["cmd"] == "shot":
                side.root().grabWindow().save(cmd["path"])
            elif cmd["cmd"] == "clock":
                from kiosk import clock

                MOMENT.append(clock.parse_iso(cmd["at"]))
            elif cmd["cmd"] == "quit":
                qt_app.quit()
        tick()

    threading.Thread(target=read_stdin, daemon=True).start()
    timer = QTimer()
    timer.setInterval(200)
    timer.timeout.connect(step)
    timer.start()
    try:
        return int(qt_app.exec())
    finally:
        timer.stop()
        side.stop()
        side.tasks_owned.shutdown()
        services.close()


def texts(window: Any) -> list[str]:
    """Every visible text on the window (what a passer-by could read)."""
    out: list[str] = []

    def walk(item: Any) -> None:
        for child in item.childItems():
            if not child.isVisible():
                continue
            text = child.property("text")
            if isinstance(text, str) and text:
                out.append(text)
            walk(child)

    walk(window.contentItem())
    return out


if __name__ == "__main__":
    sys.exit(main())
