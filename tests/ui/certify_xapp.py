"""The counter app on a real X display for the certification touch count (issue 23): like
``tests/ui/xharness.py``, commands arrive as JSON lines on stdin and only *look* (where is an
item, what the certification screen holds, which job was printed); every touch comes from
outside, through the X server."""

from __future__ import annotations

import sys
from typing import Any

from tests.ui.xharness import serve_commands


def main() -> int:
    from kiosk.config import Config
    from kiosk.ui.qt import QGuiApplication

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

    def state() -> dict[str, Any]:
        return {"screen": win.app.screen,
                "busy": bool(win.tasks.pending or certify.scanner.active),
                "kind": certify.kind, "copies": certify.copies, "pages": certify.pages,
                "scanned": certify.scannedPages, "fee": dict(certify.fee),
                "ready": certify.ready, "result": dict(certify.result),
                "job": certify.last_job}

    return serve_commands(qt_app, win, state)


if __name__ == "__main__":
    raise SystemExit(main())
