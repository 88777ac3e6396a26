"""The header clock, in the unit's zone whatever the machine's TZ.

QML's ``new Date()`` and ``Qt.formatDateTime`` use the machine's zone (often UTC on an
installed image); the clerk must see the unit's time, the one printed on receipts and used
for due times, so the text is made here by :func:`kiosk.clock.clock_text`.
"""

from __future__ import annotations

from kiosk import clock
from kiosk.ui.qt import Property, QObject, QTimer, Signal


class ClockModel(QObject):
    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = clock.clock_text()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.tick)
        self._arm()

    def _arm(self) -> None:
        # Wake just after the next minute starts, so the clock never lags a minute behind.
        seconds = clock.now().second
        self._timer.start((60 - seconds) * 1000 + 200)

    def tick(self) -> None:
        text = clock.clock_text()
        if text != self._text:
            self._text = text
            self.changed.emit()
        self._arm()

    def _get_text(self) -> str:
        return self._text

    text = Property(str, _get_text, notify=changed)
