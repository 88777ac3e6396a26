"""Raw X key presses for the wedge filter, seen before Qt gives them to an input method.

With IBus or Fcitx active and a text field focused, Qt's xcb plugin hands every key to the
input method first; the app then gets only composed text (Telex: ``dd`` → ``đ``, pre-edit
held back), never the keys — too late and too changed to tell a scan from typing. A native
event filter sees each X KeyPress as the server sent it: keycode, modifier state (Shift,
Lock) and the server's time. The character is worked out with xkbcommon from the server's
own keymap (read over a second, private X connection), exactly as Qt does it.

Only looks, never takes: every event still goes on to Qt.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
from typing import Any

from kiosk.devices.barcode.wedge import ENTER, MODIFIER, OTHER, TAB, KeyEvent

log = logging.getLogger(__name__)

_KEY_PRESS = 2
_KEY_RELEASE = 3
#: X repeats a held key at most ~50 times a second.
_REPEAT_MIN_MS = 18
_MAPPING_NOTIFY = 34
#: X core modifier bits in order, and xkbcommon's names for them.
_CORE_MODS = ("Shift", "Lock", "Control", "Mod1", "Mod2", "Mod3", "Mod4", "Mod5")
#: Return, KP_Enter, and Linefeed (what ``xdotool type`` sends for a newline).
_ENTER_SYMS = {0xFF0D, 0xFF8D, 0xFF0A}
_TAB_SYMS = {0xFF09, 0xFE20}
#: Shift_L … Hyper_R, ISO_Level3/5 shifts and locks, Mode_switch, Num_Lock, Scroll_Lock.
_MODIFIER_SYMS = set(range(0xFFE1, 0xFFEF)) | set(range(0xFE01, 0xFE14)) | {
    0xFF7E, 0xFF7F, 0xFF14}


class _KeyPressEvent(ctypes.Structure):
    # xcb_key_press_event_t
    _fields_ = [("response_type", ctypes.c_uint8), ("detail", ctypes.c_uint8),
                ("sequence", ctypes.c_uint16), ("time", ctypes.c_uint32),
                ("root", ctypes.c_uint32), ("event", ctypes.c_uint32),
                ("child", ctypes.c_uint32), ("root_x", ctypes.c_int16),
                ("root_y", ctypes.c_int16), ("event_x", ctypes.c_int16),
                ("event_y", ctypes.c_int16), ("state", ctypes.c_uint16),
                ("same_screen", ctypes.c_uint8)]


class XKeymap:
    """The X server's keymap through xkbcommon-x11: keycode + modifier state → text."""

    def __init__(self) -> None:
        xcb = ctypes.CDLL(ctypes.util.find_library("xcb") or "libxcb.so.1")
        xkb = ctypes.CDLL(ctypes.util.find_library("xkbcommon") or "libxkbcommon.so.0")
        xkb_x11 = ctypes.CDLL(ctypes.util.find_library("xkbcommon-x11")
                              or "libxkbcommon-x11.so.0")
        xcb.xcb_connect.restype = ctypes.c_void_p
        xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
        xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
        xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
        xkb.xkb_context_new.restype = ctypes.c_void_p
        xkb.xkb_context_new.argtypes = [ctypes.c_int]
        xkb.xkb_keymap_unref.argtypes = [ctypes.c_void_p]
        xkb.xkb_state_unref.argtypes = [ctypes.c_void_p]
        xkb.xkb_state_new.restype = ctypes.c_void_p
        xkb.xkb_state_new.argtypes = [ctypes.c_void_p]
        xkb.xkb_keymap_mod_get_index.restype = ctypes.c_uint32
        xkb.xkb_keymap_mod_get_index.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        xkb.xkb_state_update_mask.argtypes = [ctypes.c_void_p] + [ctypes.c_uint32] * 6
        xkb.xkb_state_key_get_utf8.argtypes = [ctypes.c_void_p, ctypes.c_uint32,
                                               ctypes.c_char_p, ctypes.c_size_t]
        xkb.xkb_state_key_get_one_sym.restype = ctypes.c_uint32
        xkb.xkb_state_key_get_one_sym.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
        xkb_x11.xkb_x11_setup_xkb_extension.argtypes = [
            ctypes.c_void_p, ctypes.c_uint16, ctypes.c_uint16, ctypes.c_int,
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        xkb_x11.xkb_x11_get_core_keyboard_device_id.argtypes = [ctypes.c_void_p]
        xkb_x11.xkb_x11_keymap_new_from_device.restype = ctypes.c_void_p
        xkb_x11.xkb_x11_keymap_new_from_device.argtypes = [
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int32, ctypes.c_int]
        self._xcb, self._xkb, self._xkb_x11 = xcb, xkb, xkb_x11
        display = os.environ.get("DISPLAY", "").encode() or None
        self._conn = xcb.xcb_connect(display, None)
        if not self._conn or xcb.xcb_connection_has_error(self._conn):
            raise OSError("no X connection for the keymap")
        if not xkb_x11.xkb_x11_setup_xkb_extension(self._conn, 1, 0, 0, None, None, None,
                                                   None):
            raise OSError("the X server has no XKB extension")
        self._ctx = xkb.xkb_context_new(0)
        self._keymap: int | None = None
        self._state: int | None = None
        self.refresh()

    def refresh(self) -> None:
        """Read the keymap again (after a MappingNotify: layout switch, xmodmap)."""
        device = self._xkb_x11.xkb_x11_get_core_keyboard_device_id(self._conn)
        keymap = self._xkb_x11.xkb_x11_keymap_new_from_device(self._ctx, self._conn, device, 0)
        if not keymap:
            raise OSError("the X keymap could not be read")
        if self._state:
            self._xkb.xkb_state_unref(self._state)
        if self._keymap:
            self._xkb.xkb_keymap_unref(self._keymap)
        self._keymap, self._state = keymap, self._xkb.xkb_state_new(keymap)
        self._mod_bits = [(1 << i, self._xkb.xkb_keymap_mod_get_index(keymap, name.encode()))
                          for i, name in enumerate(_CORE_MODS)]

    def key_event(self, keycode: int, state: int, time_ms: int) -> KeyEvent:
        mods = 0
        for bit, index in self._mod_bits:
            if state & bit and index < 32:
                mods |= 1 << index
        group = (state >> 13) & 0x3
        self._xkb.xkb_state_update_mask(self._state, mods, 0, 0, 0, 0, group)
        sym = self._xkb.xkb_state_key_get_one_sym(self._state, keycode)
        buf = ctypes.create_string_buffer(16)
        self._xkb.xkb_state_key_get_utf8(self._state, keycode, buf, len(buf))
        text = buf.value.decode("utf-8", "replace")
        caps = bool(state & 0x2)
        t = time_ms / 1000.0
        if sym in _ENTER_SYMS:
            return KeyEvent("", t, ENTER, caps)
        if sym in _TAB_SYMS:
            return KeyEvent("", t, TAB, caps)
        if sym in _MODIFIER_SYMS:
            return KeyEvent("", t, MODIFIER, caps)
        if text and text.isprintable():
            return KeyEvent(text, t, "", caps)
        return KeyEvent("", t, OTHER, caps)

    def close(self) -> None:
        if self._state:
            self._xkb.xkb_state_unref(self._state)
        if self._keymap:
            self._xkb.xkb_keymap_unref(self._keymap)
        self._state = self._keymap = None
        if self._conn:
            self._xcb.xcb_disconnect(self._conn)
            self._conn = None


def install_raw_keys(wedge: Any) -> Any:
    """On X11, feed ``wedge`` (a :class:`kiosk.ui.wedge_filter.WedgeKeys`) from raw X key
    presses; elsewhere, or when the keymap cannot be read, leave it on Qt's key events."""
    from kiosk.ui.qt import QGuiApplication

    app = QGuiApplication.instance()
    if app is None or QGuiApplication.platformName() != "xcb":
        return None
    try:
        keymap = XKeymap()
    except OSError as exc:
        log.warning("wedge reader: raw X keys unavailable (%s); using Qt's key events", exc)
        return None
    from PySide6.QtCore import QAbstractNativeEventFilter

    class RawKeys(QAbstractNativeEventFilter):
        #: X auto-repeat (a key held down) comes as a release and a press of the same key
        #: with the same server time; a reader's next press of the same key ("00") comes
        #: within a few ms of its previous press, a repeat 20+ ms after it.
        def __init__(self) -> None:
            super().__init__()
            self.last_release: tuple[int, int] = (-1, -1)
            self.last_press: dict[int, int] = {}

        def nativeEventFilter(self, event_type: Any, message: Any) -> Any:
            try:
                if bytes(event_type) == b"xcb_generic_event_t":
                    kind = ctypes.c_uint8.from_address(int(message)).value & 0x7F
                    if kind == _KEY_PRESS:
                        ev = _KeyPressEvent.from_address(int(message))
                        key = keymap.key_event(ev.detail, ev.state, ev.time)
                        previous = self.last_press.get(ev.detail, -10_000)
                        if (self.last_release == (ev.detail, ev.time)
                                and ev.time - previous >= _REPEAT_MIN_MS
                                and not key.is_modifier):
                            key = KeyEvent("", key.t, OTHER, key.caps_lock)
                        self.last_press[ev.detail] = ev.time
                        wedge.raw_key(key)
                    elif kind == _KEY_RELEASE:
                        ev = _KeyPressEvent.from_address(int(message))
                        self.last_release = (ev.detail, ev.time)
                    elif kind == _MAPPING_NOTIFY:
                        keymap.refresh()
            except Exception:  # never let a key stop the event loop
                log.exception("wedge reader: raw X key not understood")
            return False, 0

        def stop(self) -> None:
            if app is not None:
                app.removeNativeEventFilter(self)
            keymap.close()

    raw = RawKeys()
    app.installNativeEventFilter(raw)
    wedge.raw = True
    return raw
