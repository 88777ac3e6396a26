"""The app side of :class:`tests.ui.xserver.AppProcess`: the real window on the X display,
answering snippets (one JSON line each on stdin) from inside its event loop."""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any

from kiosk.ui.qt import QGuiApplication, QObject, QQuickItem, QTimer


def main() -> int:
    import logging
    import os

    logging.basicConfig(level=os.environ.get("KIOSK_TEST_LOG", "WARNING"))
    qt_app = QGuiApplication(sys.argv[:1])
    from kiosk.config import Config
    from kiosk.ui.app import build_services, create_window

    config = Config.load()
    config.set("ui.idle_lock_minutes", 0)
    for key, value in json.loads(os.environ.get("KIOSK_TEST_CONFIG", "{}")).items():
        config.set(key, value)
    config.save()
    factory = None
    feeder = os.environ.get("KIOSK_TEST_FEEDER")  # "separated:<seconds a page>"
    if feeder:
        # Fault injection beside the real path: a feeder slow enough to cut mid-batch.
        from kiosk.devices.pipeline.samples import gray_letter, letter_page
        from kiosk.devices.scanner.fake import FakeScanDriver

        letter, gray = letter_page(200)[0], gray_letter(200)[0]
        blank = FakeScanDriver.blank_pages(1, size=letter.shape[:2])[0]
        driver = FakeScanDriver(pages=[letter, gray, blank, gray, letter, blank, letter],
                                delay_s=float(feeder.split(":")[1]))
        factory = lambda: driver  # noqa: E731
        config.set("scanner.source", "adf")
        config.set("scanner.resolution", 200)
        config.save()
    services = build_services(config, demo=True, scanner_factory=factory)
    win = create_window(services)
    root: Any = win.root()
    scans: list[str] = []
    messages: list[str] = []
    win.app.message.connect(lambda text, kind: messages.append(text))
    route = services.extras["route_read"]
    wedge = services.extras.get("wedge")
    if wedge is not None:
        original = wedge.on_scan

        def on_scan(text: str) -> object:
            scans.append(text)
            return original(text)

        wedge.on_scan = on_scan

    # What the serial and camera readers handed the routing: [source, text] each.
    reads: list[list[str]] = []
    hub = services.extras.get("readers")
    if hub is not None:
        from_reader = hub.on_scan

        def on_reader(text: str, source: str) -> object:
            reads.append([source, text])
            return from_reader(text, source)

        hub.on_scan = on_reader

    def items(item: Any) -> Any:
        yield item
        for child in item.childItems():
            yield from items(child)

    def where(name: str) -> list[int] | None:
        """The centre of the visible item ``name`` on the screen, when it is inside the
        window (delegates of a list are not QObject children: walk the item tree)."""
        from PySide6.QtCore import QPointF

        for item in items(root.contentItem()):
            if item.objectName() == name and item.isVisible() and item.width() > 0:
                centre = item.mapToGlobal(QPointF(item.width() / 2, item.height() / 2))
                if 0 <= centre.y() - root.y() < root.height() and \
                        0 <= centre.x() - root.x() < root.width():
                    return [int(centre.x()), int(centre.y())]
        return None

    def focus(name: str) -> bool:
        root.requestActivate()
        for item in reversed(root.findChildren(QQuickItem, name)):
            try:
                if item.isVisible():
                    item.forceActiveFocus()
                    if item.hasActiveFocus():
                        return True
            except RuntimeError:
                continue
        return False

    def focused_text() -> str:
        item = QGuiApplication.focusObject()
        return str(item.property("text")) if item is not None else "<no focus>"

    def quit_app() -> None:
        QTimer.singleShot(0, qt_app.quit)

    namespace: dict[str, Any] = {
        "win": win, "root": root, "app": win.app, "intake": win.intake, "returns": win.returns,
        "services": services, "scans": scans, "messages": messages, "route": route, "focus": focus,
        "reads": reads, "where": where, "home": win.home,
        "focused_text": focused_text, "quit_app": quit_app, "qt_app": qt_app,
        "QObject": QObject, "QGuiApplication": QGuiApplication,
    }

    def answer() -> None:
        line = sys.stdin.readline()
        if not line:
            qt_app.quit()
            return
        namespace["result"] = None
        try:
            exec(json.loads(line)["code"], namespace)  # test-provided setup and probes
            reply = {"ok": True, "value": namespace["result"]}
        except Exception:
            reply = {"ok": False, "error": traceback.format_exc()}
        sys.stdout.write(json.dumps(reply, default=str) + "\n")
        sys.stdout.flush()

    from PySide6.QtCore import QSocketNotifier

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(answer)
    root.show()
    root.requestActivate()
    try:
        return int(qt_app.exec())
    finally:
        win.close()


if __name__ == "__main__":
    sys.exit(main())
