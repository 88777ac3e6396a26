"""The counter app in its own process on a real X display, for tests that drive it with
real X input (xdotool / XTest) the way a clerk's touchscreen does.

The test process cannot host it: its QGuiApplication already runs on the offscreen platform.
Commands arrive as JSON lines on stdin and are answered as JSON lines on stdout; they only
*look* (where is an item, what state is the intake in) or stand in for a barcode reader —
every touch comes from outside, through the X server.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
from collections.abc import Callable
from typing import Any


def main() -> int:
    from kiosk.config import Config
    from kiosk.ui.qt import QGuiApplication

    qt_app = QGuiApplication(sys.argv[:1])
    from kiosk.ui.app import build_services, create_window

    config = Config.load()
    factory = None
    if os.environ.get("KIOSK_X_FEEDER") == "separated":
        # A whole dossier in the feeder, documents separated by blank sheets.
        from kiosk.devices.pipeline.samples import gray_letter, letter_page
        from kiosk.devices.scanner.fake import FakeScanDriver

        letter, gray = letter_page(200)[0], gray_letter(200)[0]
        blank = FakeScanDriver.blank_pages(1, size=letter.shape[:2])[0]
        driver = FakeScanDriver(pages=[letter, blank, gray, blank, letter])
        factory = lambda: driver  # noqa: E731
        config.set("scanner.source", "adf")
        config.set("scanner.resolution", 200)
    else:
        config.set("scanner.source", "flatbed")
        config.set("scanner.resolution", 150)
    # Settings a test wants on top (JSON), e.g. the feeder and scanner.stall_seconds.
    for key, value in json.loads(os.environ.get("KIOSK_X_CONFIG", "{}")).items():
        config.set(key, value)
    config.set("ui.idle_lock_minutes", 0)
    config.save()
    services = build_services(config, demo=True, scanner_factory=factory)
    # "Most used first": this counter registers births most (KIOSK_X_USAGE=code:n,...).
    from kiosk.storage import ApplicantInput, DossierInput

    for item in filter(None, os.environ.get("KIOSK_X_USAGE", "").split(",")):
        code, n = item.split(":")
        for i in range(int(n)):
            services.store.save_dossier(DossierInput(
                procedure_code=code, applicant=ApplicantInput(name=f"Người nộp {i + 1}")),
                "canbo")
    win = create_window(services)
    messages: list[str] = []
    win.app.message.connect(lambda text, kind: messages.append(f"{kind}: {text}"))
    root: Any = win.root()
    width, height = (int(v) for v in os.environ.get("KIOSK_X_SIZE", "1366x768").split("x"))
    root.setProperty("x", 0)
    root.setProperty("y", 0)
    root.setProperty("width", width)
    root.setProperty("height", height)
    root.requestActivate()

    def state() -> dict[str, Any]:
        intake = win.intake
        job = getattr(services.printer, "last_job", None)
        return {
            "screen": win.app.screen, "step": intake.session.step_name,
            "busy": bool(win.tasks.pending or intake.scanner.active
                         or intake._draft_timer.isActive()),
            "current": intake.currentComponent, "saved": intake.session.saved,
            "components": [{"name": c.name, "checked": c.checked, "pages": len(c.kept_pages()),
                            "presented": c.presented, "received": c.received}
                           for c in intake.session.components],
            "job": job, "active": root.isActive(),
            "scan_status": intake.scanStatus, "messages": messages[-5:],
        }

    def read(cmd: dict[str, Any]) -> Any:  # what a serial CCCD reader hands the app
        if cmd["op"] != "read":
            raise ValueError(cmd["op"])
        return services.extras["route_read"](cmd["text"])

    return serve_commands(qt_app, win, state, read)


def serve_commands(qt_app: Any, win: Any, state: Callable[[], dict[str, Any]],
                   other: Callable[[dict[str, Any]], Any] | None = None) -> int:
    """Answer the test's JSON lines until it closes stdin: ``where`` an item is on the
    screen, the app's ``state``, the ``text`` of a visible item, the ``names`` of visible
    items, ``signin``, ``grab`` a screenshot, ``quit``; any other op goes to ``other``.
    Runs the Qt event loop."""
    from PySide6.QtCore import QPointF

    from kiosk.ui.qt import QTimer

    root: Any = win.root()
    commands: queue.Queue[dict[str, Any] | None] = queue.Queue()

    def reader() -> None:
        for line in sys.stdin:
            if line.strip():
                commands.put(json.loads(line))
        commands.put(None)

    threading.Thread(target=reader, daemon=True).start()

    def items(item: Any) -> Any:
        yield item
        for child in item.childItems():
            yield from items(child)

    def where(name: str) -> dict[str, Any] | None:
        for item in items(root.contentItem()):
            if item.objectName() == name and item.isVisible() and item.width() > 0:
                centre = item.mapToGlobal(QPointF(item.width() / 2, item.height() / 2))
                x, y = int(centre.x()), int(centre.y())
                on_screen = 0 <= x - root.x() < root.width() and 0 <= y - root.y() < root.height()
                return {"x": x, "y": y, "on_screen": on_screen, "enabled": item.isEnabled()}
        return None

    def handle(cmd: dict[str, Any]) -> Any:
        op = cmd["op"]
        if op == "where":
            return where(cmd["name"])
        if op == "state":
            return state()
        if op == "text":  # what a visible item (a Label) says
            found = [i for i in items(root.contentItem())
                     if i.objectName() == cmd["name"] and i.isVisible()]
            return str(found[0].property("text")) if found else None
        if op == "names":  # for a failing test's message: what is there to touch
            return sorted({i.objectName() for i in items(root.contentItem())
                           if i.objectName().startswith(cmd.get("prefix", "")) and i.isVisible()})
        if op == "signin":
            return win.app.signIn(cmd["pin"])
        if op == "grab":  # what the screen shows, for a failing test or a person to look at
            return bool(root.grabWindow().save(cmd["path"]))
        if op == "quit":
            qt_app.quit()
            return True
        if other is None:
            raise ValueError(op)
        return other(cmd)

    def pump() -> None:
        while True:
            try:
                cmd = commands.get_nowait()
            except queue.Empty:
                return
            if cmd is None:
                qt_app.quit()
                return
            try:
                out: Any = {"ok": True, "value": handle(cmd)}
            except Exception as exc:  # reported to the test, which fails with it
                out = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            sys.stdout.write(json.dumps(out, ensure_ascii=False, default=str) + "\n")
            sys.stdout.flush()

    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(pump)
    timer.start()
    try:
        return int(qt_app.exec())
    finally:
        win.close()

if __name__ == "__main__":
    raise SystemExit(main())
