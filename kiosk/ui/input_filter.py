"""One application-wide input filter: idle tracking for the auto-lock, and barcode readers
that type (keyboard wedge), whose bursts must never land in a text field as typing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.ui.qt import QEvent, QObject

_ACTIVITY = {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress,
             QEvent.Type.Wheel}
#: What the wedge filter sees: key presses, and what an input method (IBus/Fcitx) makes of them.
_KEYS = {QEvent.Type.KeyPress, QEvent.Type.InputMethod}


class InputFilter(QObject):
    def __init__(self, on_activity: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.on_activity = on_activity
        #: Set by the wedge integration: returns True when it took the key event.
        self.key_handler: Callable[[QObject, Any], bool] | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _ACTIVITY:
            self.on_activity()
        if kind in _KEYS and self.key_handler is not None:
            return self.key_handler(watched, event)
        return False
