"""Keyboard-wedge readers in the UI: key presses go through the Qt-free burst detector
(:class:`kiosk.devices.barcode.wedge.WedgeDetector`) before any widget sees them.

Every key press is a *tag* (its X/Qt timestamp in ms) whose fate the detector decides:
held (maybe a scan), typed, or part of a scan. What Qt makes of a key — the key event itself,
or the input method's pre-edit/commit events (IBus/Fcitx with Telex turn ``dd`` into ``đ``)
— is queued under that key's tag and delivered in order once the key turns out to be typing,
or dropped when it was part of a scan. So a scan reaches a text field neither as keys nor as
composed text, and a clerk's typing (through an input method or not) arrives unchanged,
at most one gap late.

The detector is fed from the rawest events there are: on X11, the X key presses themselves
(:mod:`kiosk.ui.x11_keys`, before Qt hands them to the input method, which would swallow
them); elsewhere (offscreen tests, a platform without that hook) Qt's key presses. Times come
from the events (not from when the filter runs), so a busy GUI thread delivering queued keys
at once cannot fake a burst.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from kiosk.devices.barcode.wedge import ENTER, MODIFIER, OTHER, TAB, KeyEvent, WedgeDetector
from kiosk.ui.qt import QEvent, QGuiApplication, QKeyEvent, QObject, Qt, QTimer, QWindow

log = logging.getLogger(__name__)
K = Qt.Key
_ENTER_KEYS = {int(K.Key_Return), int(K.Key_Enter)}
_TAB_KEYS = {int(K.Key_Tab), int(K.Key_Backtab)}
_MODIFIER_KEYS = {int(k) for k in (
    K.Key_Shift, K.Key_Control, K.Key_Alt, K.Key_AltGr, K.Key_Meta, K.Key_CapsLock,
    K.Key_NumLock, K.Key_Super_L, K.Key_Super_R, K.Key_Hyper_L, K.Key_Hyper_R,
    K.Key_Mode_switch, K.Key_ScrollLock)}
#: X's Lock bit in the native modifier state.
_X_LOCK = 0x2
#: An input-method event belongs to the last raw key if that key came this recently;
#: later ones (the on-screen keyboard) are not from a key at all.
_IM_WINDOW_S = 1.0
HELD, TYPED, SCAN = "held", "typed", "scan"


def key_event_from_qt(event: Any) -> KeyEvent:
    """The detector's view of a Qt key press: its text (Shift and CapsLock applied)."""
    code = event.key()
    text = event.text()
    caps = bool(event.nativeModifiers() & _X_LOCK)
    stamp = event.timestamp() / 1000.0
    if code in _ENTER_KEYS or text in ("\r", "\n"):
        return KeyEvent("", stamp, ENTER, caps)
    if code in _TAB_KEYS:
        return KeyEvent("", stamp, TAB, caps)
    if code in _MODIFIER_KEYS:
        return KeyEvent("", stamp, MODIFIER, caps)
    if event.isAutoRepeat():
        return KeyEvent("", stamp, OTHER, caps)  # a key held down; no reader does that
    if text and text.isprintable():
        return KeyEvent(text, stamp, "", caps)
    return KeyEvent("", stamp, OTHER, caps)


def _tag(event: KeyEvent) -> int:
    return round(event.t * 1000)


class WedgeKeys(QObject):
    def __init__(self, detector: WedgeDetector, on_scan: Callable[[str], object],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.detector = detector
        self.on_scan = on_scan
        detector.start(lambda read: self._scanned(read.text))
        #: True once raw X key presses feed the detector (Qt's then only get queued).
        self.raw = False
        self._state: dict[int, str] = {}
        self._undecided: list[int] = []
        self._queue: list[tuple[int, Any, QObject]] = []
        self._replaying = False
        self._offset: float | None = None
        self._last_tag: int | None = None
        self._last_seen = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._poll)
        self._pending_scan: list[str] = []
        self._reset_im = False
        self._polling = False

    # --- sources -----------------------------------------------------------------------------

    def raw_key(self, event: KeyEvent) -> None:
        """One key press straight from the window system (before any input method). Called
        from inside the native event dispatch: decide now (Qt's events for this key come
        right after), deliver and route once the dispatch is over."""
        self._feed(event, deliver=False)
        QTimer.singleShot(0, self._deliver)

    def _deliver(self) -> None:
        self._flush()
        self._flush_scans()

    def handle(self, watched: QObject, event: Any) -> bool:
        """Called for every KeyPress and InputMethod event the app sees; True when taken."""
        if self._replaying:
            return False
        if event.type() == QEvent.Type.InputMethod:
            return self._input_method(watched, event)
        if not isinstance(watched, QWindow):
            return False  # the window's own forwarding to its focus item
        tag = int(event.timestamp())
        if not self.raw:
            self._feed(key_event_from_qt(event))
        state = self._state.get(tag)
        if state is None or (state == TYPED and not self._queue):
            return False
        self._queue.append((tag, _clone_key(event), watched))
        self._flush()
        return True

    def _input_method(self, watched: QObject, event: Any) -> bool:
        tag = self._last_tag
        log.debug("wedge im event %r/%r for key %s (%s)", event.preeditString(),
                  event.commitString(), tag, self._state.get(tag or -1))
        if tag is None or time.monotonic() - self._last_seen > _IM_WINDOW_S:
            return False
        state = self._state.get(tag)
        if state is None or (state == TYPED and not self._queue):
            return False
        if state == SCAN:
            self._dropped_im(event)
            return True
        self._queue.append((tag, event.clone(), watched))
        self._flush()
        return True

    # --- decisions ---------------------------------------------------------------------------

    def _feed(self, event: KeyEvent, *, deliver: bool = True) -> None:
        tag = _tag(event)
        self._offset = event.t - time.monotonic()
        self._last_tag, self._last_seen = tag, time.monotonic()
        self._state[tag] = HELD
        self._undecided.append(tag)
        released = self.detector.feed(event)
        log.debug("wedge key %r -> released %d, holding %s", event, len(released),
                  self.detector.holding)
        for done in released:
            self._decide(_tag(done), TYPED)
        if self._pending_scan:
            for held in self._undecided:
                self._state[held] = SCAN
            self._undecided = []
        self._prune(tag)
        if deliver:
            self._flush()
            self._flush_scans()
        if self.detector.holding:
            self._timer.start(int(self.detector.settings.max_gap_ms) + 5)

    def _decide(self, tag: int, state: str) -> None:
        self._state[tag] = state
        if tag in self._undecided:
            self._undecided.remove(tag)

    def _prune(self, newest: int) -> None:
        if len(self._state) > 512:
            self._state = {t: s for t, s in self._state.items()
                           if newest - t < 10_000 or s == HELD}

    def _scanned(self, text: str) -> None:
        # Called from inside feed(): every key still undecided (and the suffix) was the scan.
        self._pending_scan.append(text)

    def _flush_scans(self) -> None:
        scans, self._pending_scan = self._pending_scan, []
        for text in scans:
            self.on_scan(text)

    def _poll(self) -> None:
        if self._offset is None or self._polling:
            return
        # A loaded machine may not have handled keys the X server already stamped: take
        # them in first, or a burst would be cut where the GUI thread lagged, not the reader.
        self._polling = True
        try:
            QGuiApplication.processEvents()
        finally:
            self._polling = False
        for done in self.detector.poll(time.monotonic() + self._offset):
            log.debug("wedge poll released %r", done)
            self._decide(_tag(done), TYPED)
        self._flush()
        if self.detector.holding:
            self._timer.start(int(self.detector.settings.max_gap_ms) + 5)

    # --- delivery ----------------------------------------------------------------------------

    def _flush(self) -> None:
        while self._queue:
            tag, event, target = self._queue[0]
            state = self._state.get(tag, TYPED)
            if state == HELD:
                return
            del self._queue[0]
            if state == TYPED:
                self._send(target, event)
            elif event.type() == QEvent.Type.InputMethod:
                self._dropped_im(event)

    def _dropped_im(self, event: Any) -> None:
        # The input method still holds the scan's characters in its pre-edit: clear it, once
        # the events in flight have come in (an IBus reply arrives after the key).
        if (event.preeditString() or event.commitString()) and not self._reset_im:
            self._reset_im = True
            QTimer.singleShot(50, self._reset_input_method)

    def _reset_input_method(self) -> None:
        self._reset_im = False
        QGuiApplication.inputMethod().reset()

    def _send(self, target: QObject, event: Any) -> None:
        self._replaying = True
        try:
            QGuiApplication.sendEvent(target, event)
            if isinstance(event, QKeyEvent):
                release = QKeyEvent(QEvent.Type.KeyRelease, event.key(), event.modifiers(),
                                    event.text())
                QGuiApplication.sendEvent(target, release)
        except RuntimeError:  # the item went away (screen changed) while the key was held
            log.debug("held key for a deleted item dropped")
        finally:
            self._replaying = False


def _clone_key(event: Any) -> QKeyEvent:
    copy = QKeyEvent(event.type(), event.key(), event.modifiers(), event.nativeScanCode(),
                     event.nativeVirtualKey(), event.nativeModifiers(), event.text(),
                     event.isAutoRepeat(), event.count())
    copy.setTimestamp(event.timestamp())
    return copy


def install_wedge(services: Any, input_filter: Any, on_scan: Callable[[str], object]) -> Any:
    """Feed the app's key presses to the wedge detector when wedge readers are enabled."""
    from kiosk.devices.barcode.wedge import WedgeSettings

    if not services.config.get("barcode.wedge_enabled"):
        return None
    wedge = WedgeKeys(WedgeDetector(WedgeSettings.from_config(services.config)), on_scan,
                      parent=input_filter)
    input_filter.key_handler = wedge.handle
    from kiosk.ui.x11_keys import install_raw_keys

    services.extras["raw_keys"] = install_raw_keys(wedge)
    return wedge
