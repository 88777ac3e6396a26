"""The counter app on a real X display for the certification touch count (issue 23): like
``tests/ui/xharness.py``, commands arrive as JSON lines on stdin and only *look* (where is an
item, what the certification screen holds, which job was printed); every touch comes from
outside, through the X server."""

from __future__ import annotations

import json
import queue
import sys
import threading
from typing import Any


def main() -> int:
    from PySide6.QtCore import QPointF

    from kiosk.config import Config
    from kiosk.ui.qt import QGuiApplication, QTimer

    qt_app = QGuiApplication(sys.argv[:1])
    from kiosk.ui.app import build_services, create_window

    config = Config.load()
    config.set("scanner.source", "flatbed")
    config.set("scanner.resolution", 150)
    config.set("ui.idle_lock_minutes", 0)
    config.save()
    services = build_services(config, demo=True)
    win = create_window(services)
    root: Any = win.root()
    root.setProperty("x", 0)
    root.setProperty("y", 0)
    root.setProperty("width", 1366)
    root.setProperty("height", 768)
    root.requestActivate()
    certify = next(e for e in win.extras if type(e).__name__ == "CertifyModel")
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

    def state() -> dict[str, Any]:
        return {"screen": win.app.screen,
                "busy": bool(win.tasks.pending or certify.scanner.active),
                "kind": certify.kind, "copies": certify.copies, "pages": certify.pages,
                "scanned": certify.scannedPages, "fee": dict(certify.fee),
                "ready": certify.ready, "result": dict(certify.result),
                "job": certify.last_job}

    def handle(cmd: dict[str, Any]) -> Any:
        op = cmd["op"]
        if op == "where":
            return where(cmd["name"])
        if op == "state":
            return state()
        if op == "names":
            return sorted({i.objectName() for i in items(root.contentItem())
                           if i.objectName().startswith(cmd.get("prefix", "")) and i.isVisible()})
        if op == "grab":  # a screenshot, for a person to look at
            return bool(root.grabWindow().save(cmd["path"]))
        if op == "signin":
            return win.app.signIn(cmd["pin"])
        if op == "quit":
            qt_app.quit()
            return True
        raise ValueError(op)

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
