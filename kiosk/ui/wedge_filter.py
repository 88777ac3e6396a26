"""Keyboard-wedge readers in the UI: key presses go through the Qt-free burst detector
(:class:`kiosk.devices.barcode.wedge.WedgeDetector`) before any widget sees them.

Keys the detector holds are swallowed; keys it releases as typing are sent on to the window
in order; a burst that turns out to be a scan becomes one read for the router and never
reaches a text field. Times come from the key events themselves (not from when the filter
happens to run), so a busy GUI thread delivering queued keys at once cannot fake a burst.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kiosk.devices.barcode.wedge import ENTER, KeyEvent, WedgeDetector
from kiosk.ui.qt import QEvent, QGuiApplication, QKeyEvent, QObject, Qt, QTimer, QWindow

_ENTER_KEYS = {int(Qt.Key.Key_Return), int(Qt.Key.Key_Enter)}
# A reader types "H" as Shift + h, like a keyboard: the Shift press itself is no key of the
# code and must not break the burst (it still reaches the window untouched).
_MODIFIER_KEYS = {int(Qt.Key.Key_Shift), int(Qt.Key.Key_Control), int(Qt.Key.Key_Alt),
                  int(Qt.Key.Key_AltGr), int(Qt.Key.Key_Meta)}


class WedgeKeys(QObject):
    def __init__(self, detector: WedgeDetector, on_scan: Callable[[str], object],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.detector = detector
        self.on_scan = on_scan
        detector.start(lambda read: self._scanned(read.text))
        # The Qt copies of the held key presses, in the detector's order.
        self._held: list[tuple[KeyEvent, QKeyEvent, QObject]] = []
        self._replaying = False
        self._offset: float | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._poll)
        self._pending_scan: list[str] = []

    # --- the filter hook ---------------------------------------------------------------------

    def handle(self, watched: QObject, event: Any) -> bool:
        """Called for every KeyPress the app sees; True when the event was taken."""
        if self._replaying or not isinstance(watched, QWindow):
            return False  # replays, and the window's own forwarding to its focus item
        key_event: QKeyEvent = event
        if key_event.key() in _MODIFIER_KEYS:
            return False
        stamp = key_event.timestamp() / 1000.0
        self._offset = stamp - time.monotonic()
        key = ENTER if key_event.key() in _ENTER_KEYS else (
            "" if key_event.text() and key_event.text().isprintable() else "Other")
        text = key_event.text() if key == "" else ""
        mine = KeyEvent(text, stamp, key)
        copy = QKeyEvent(key_event.type(), key_event.key(), key_event.modifiers(),
                         key_event.text(), key_event.isAutoRepeat(), key_event.count())
        copy.setTimestamp(key_event.timestamp())
        self._held.append((mine, copy, watched))
        released = self.detector.feed(mine)
        self._deliver(released)
        self._flush_scans()
        if self.detector.holding:
            self._timer.start(int(self.detector.settings.max_gap_ms) + 5)
        return True

    # --- plumbing ----------------------------------------------------------------------------

    def _scanned(self, text: str) -> None:
        # Called from inside feed(): every key still held (and this Enter) was the scan.
        self._held = []
        self._pending_scan.append(text)

    def _flush_scans(self) -> None:
        scans, self._pending_scan = self._pending_scan, []
        for text in scans:
            self.on_scan(text)

    def _deliver(self, released: list[KeyEvent]) -> None:
        for event in released:
            for i, (mine, copy, target) in enumerate(self._held):
                if mine is event:
                    del self._held[i]
                    self._send(target, copy)
                    break
        if not self.detector.holding:
            # Keys swallowed as part of a scan (and its Enter) are dropped here.
            self._held = []

    def _send(self, target: QObject, event: QKeyEvent) -> None:
        self._replaying = True
        try:
            QGuiApplication.sendEvent(target, event)
            release = QKeyEvent(QEvent.Type.KeyRelease, event.key(), event.modifiers(),
                                event.text())
            QGuiApplication.sendEvent(target, release)
        finally:
            self._replaying = False

    def _poll(self) -> None:
        if self._offset is None:
            return
        self._deliver(self.detector.poll(time.monotonic() + self._offset))
        if self.detector.holding:
            self._timer.start(int(self.detector.settings.max_gap_ms) + 5)


def install_wedge(services: Any, input_filter: Any, on_scan: Callable[[str], object]) -> Any:
    """Feed the app's key presses to the wedge detector when wedge readers are enabled."""
    from kiosk.devices.barcode.wedge import WedgeSettings

    if not services.config.get("barcode.wedge_enabled"):
        return None
    wedge = WedgeKeys(WedgeDetector(WedgeSettings.from_config(services.config)), on_scan,
                      parent=input_filter)
    input_filter.key_handler = wedge.handle
    return wedge
