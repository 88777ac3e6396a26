"""The one bridge from core events to Qt signals (Electrum's QtEventListener).

Core layers publish plain events on :data:`kiosk.events.hub` from whatever thread they run
on; the bridge lives on the GUI thread, so its signal is delivered there (queued) and
screens decide whether to redraw.
"""

from __future__ import annotations

from typing import Any

from kiosk.events import EventHub, hub
from kiosk.ui.qt import QVARIANT, QObject, Signal


class CoreBridge(QObject):
    #: (event name, payload)
    published = Signal(str, QVARIANT)

    def __init__(self, events: EventHub = hub, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe = events.subscribe("*", self._forward)

    def _forward(self, event: str, **payload: Any) -> None:
        self.published.emit(event, payload)

    def stop(self) -> None:
        self._unsubscribe()
