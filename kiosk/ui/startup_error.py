"""The window a counter shows when it cannot start on its data (``kiosk run``).

A lost, emptied or foreign database is refused rather than re-created (kiosk.storage.identity),
and a bad critical setting stops issuing codes; the clerk at a kiosk-mode counter has no
terminal to read stderr, so the same message and what to do fill the screen.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kiosk.errors import KioskError
from kiosk.i18n import _
from kiosk.ui.qt import QObject, QQmlApplicationEngine, QUrl

QML = Path(__file__).resolve().parent / "qml" / "StartupError.qml"


def show(qt_app: Any, error: KioskError, font_family: str,
         *, fullscreen: bool = False) -> int:
    """Show ``error`` until the window is closed; returns the exit status (2)."""
    engine = QQmlApplicationEngine()
    ctx = engine.rootContext()
    ctx.setContextProperty("appFontFamily", font_family)
    ctx.setContextProperty("problemTitle", _("Quầy chưa thể làm việc"))
    ctx.setContextProperty("problemMessage", error.message)
    ctx.setContextProperty("problemHint", error.hint or "")
    ctx.setContextProperty("closeText", _("Đóng"))
    engine.load(QUrl.fromLocalFile(str(QML)))
    roots = engine.rootObjects()
    if roots and fullscreen:
        roots[0].showFullScreen()  # type: ignore[attr-defined]
    if os.environ.get("KIOSK_STARTUP_ERROR_EXIT") and roots:
        # Tests and the start-up bench: say the window is up, then leave.
        def shown() -> None:
            texts = [str(item.property("text")) for name in ("problemMessage", "problemHint")
                     if (item := roots[0].findChild(QObject, name)) is not None]
            print("STARTUP_ERROR_SHOWN", *texts, sep="\n", flush=True)
            qt_app.quit()

        roots[0].frameSwapped.connect(shown)  # type: ignore[attr-defined]
    qt_app.exec()
    return error.exit_code
