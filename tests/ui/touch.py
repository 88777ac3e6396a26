"""A clerk's finger on the app under Xvfb: real X pointer clicks (xdotool / XTest) at the
place an item, or a key of the on-screen keyboard, is drawn.

The app runs in its own process (:class:`tests.ui.xserver.AppProcess`); :data:`PROBES`
gives it functions that only *look*: where a named item is on the screen (and whether a
finger could reach it: visible, inside every clipping ancestor, not under the keyboard or a
dialog), where a key of the Qt Virtual Keyboard is, what has the focus.
"""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from tests.ui.xserver import AppProcess, XServer

PROBES = r'''
from PySide6.QtCore import QPointF, QRectF
from kiosk.ui.qt import QQuickItem


def walk(item, clip=None):
    clip = clip if clip is not None else QRectF(0, 0, root.width(), root.height())
    for child in item.childItems():
        if not child.isVisible() or child.opacity() == 0:
            continue
        here = clip
        if child.clip():
            here = clip.intersected(child.mapRectToScene(
                QRectF(0, 0, child.width(), child.height())))
        yield child, here
        yield from walk(child, here)


def scene_rect(item):
    r = item.mapRectToScene(QRectF(0, 0, item.width(), item.height()))
    return [r.x(), r.y(), r.width(), r.height()]


def spot(name):
    """The last visible item called ``name`` a finger can reach: its centre on the X screen
    and its rectangle in the window, or None."""
    found = None
    # The window's root item holds the screens, the header and the overlay (dialogs,
    # messages, the keyboard).
    for item, clip in walk(root.contentItem()):
        if item.objectName() != name or item.width() <= 0 or item.height() <= 0:
            continue
        middle = item.mapToScene(QPointF(item.width() / 2, item.height() / 2))
        if not clip.contains(middle):
            continue
        centre = item.mapToGlobal(QPointF(item.width() / 2, item.height() / 2))
        found = {"x": round(centre.x()), "y": round(centre.y()), "rect": scene_rect(item),
                 "enabled": bool(item.isEnabled())}
    return found


def keyboard_panel():
    return root.findChild(QQuickItem, "inputPanel")


def keyboard_state():
    panel = keyboard_panel()
    if panel is None:
        return {"active": False}
    top = panel.mapToScene(QPointF(0, 0)).y()
    return {"active": bool(panel.property("active")), "top": top,
            "settled": abs(top - (root.height() - panel.height())) < 1,
            "rect": scene_rect(panel)}


SPECIAL_KEYS = {"HideKeyboardKey": "<hide>", "EnterKey": "<enter>", "BackspaceKey": "<backspace>",
                "ShiftKey": "<shift>"}


def keyboard_keys():
    """Each key's text (as drawn), or <hide>, <enter>... -> its centre on the X screen."""
    panel = keyboard_panel()
    keys = {}
    for item, clip in walk(panel, QRectF(0, 0, root.width(), root.height())):
        text, code = item.property("text"), item.property("key")
        if code is None or text is None or item.width() <= 0:
            continue
        kind = item.metaObject().className().split("_")[0]
        label = SPECIAL_KEYS.get(kind) or (" " if code == 0x20 else str(text))
        if not label:
            continue
        centre = item.mapToGlobal(QPointF(item.width() / 2, item.height() / 2))
        keys.setdefault(label, [round(centre.x()), round(centre.y())])
    return keys


def alternative_keys():
    """While a key is held: the alternatives shown (lower case) -> their centres."""
    panel = keyboard_panel()
    popup = panel.findChild(QQuickItem, "alternativeKeys") if panel is not None else None
    if popup is None or not popup.isVisible():
        return {}
    found = {}
    for item, clip in walk(popup, QRectF(0, 0, root.width(), root.height())):
        text = item.property("text")
        if item.metaObject().className() == "QQuickText" and text:
            centre = item.mapToGlobal(QPointF(item.width() / 2, item.height() / 2))
            found.setdefault(str(text).lower(), [round(centre.x()), round(centre.y())])
    return found


def focus_item():
    item = root.activeFocusItem()
    if item is None:
        return None
    return {"name": item.objectName(), "text": str(item.property("text") or ""),
            "rect": scene_rect(item)}
'''


def overlaps(a: list[float], b: list[float]) -> bool:
    """Two [x, y, w, h] rectangles share some area."""
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


class Finger:
    """Taps and waits, on one app process and its X server."""

    def __init__(self, xserver: XServer, app: AppProcess) -> None:
        self.x, self.app = xserver, app
        app.call(PROBES)

    def wait(self, code: str, what: str, timeout: float = 30.0) -> Any:
        """Evaluate ``code`` (it sets ``result``) until it is truthy."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.app.call(code)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}: last {value!r}")

    def spot(self, name: str, timeout: float = 30.0) -> dict[str, Any]:
        """Where ``name`` is, once it is on screen, enabled and has stopped moving (a screen
        just loaded still lays itself out; a finger aims at what it sees settled)."""
        deadline = time.monotonic() + timeout
        last: dict[str, Any] | None = None
        while True:
            spot: dict[str, Any] = self.wait(
                f"s = spot({name!r}); result = s if s and s['enabled'] else None",
                f"{name} to be on screen", max(0.1, deadline - time.monotonic()))
            if spot == last or time.monotonic() > deadline:
                return spot
            last = spot
            time.sleep(0.15)

    def click(self, x: int, y: int) -> None:
        self.x.xdotool("mousemove", str(x), str(y), "click", "1")

    def tap(self, name: str) -> dict[str, Any]:
        spot = self.spot(name)
        self.click(spot["x"], spot["y"])
        return spot

    def keyboard(self) -> dict[str, Any]:
        """The on-screen keyboard once it is up and has finished sliding in."""
        state: dict[str, Any] = self.wait(
            "k = keyboard_state(); result = k if k['active'] and k['settled'] else None",
            "the on-screen keyboard")
        return state

    def key(self, label: str) -> list[int]:
        """Where a key is, once the keyboard shows it (it changes layout with the field)."""
        where: list[int] = self.wait(
            f"k = keyboard_keys(); result = k.get({label!r})",
            f"the key {label!r} on the keyboard")
        return where

    def tap_key(self, label: str) -> None:
        """One key of the on-screen keyboard: its text, or <hide>, <enter>, <backspace>."""
        self.keyboard()
        self.click(*self.key(label))

    def type_on_keyboard(self, text: str) -> None:
        """Tap each character's key on the on-screen keyboard, in lower case; a letter with
        diacritics is pressed and held on its base letter, then picked from the
        alternatives the keyboard shows (as a finger slides to it)."""
        self.keyboard()
        for ch in text:
            base = ch if ch.isascii() else (
                "d" if ch == "đ" else unicodedata.normalize("NFD", ch)[0])
            where = self.key(base)
            if base == ch:
                self.click(*where)
                time.sleep(0.05)
                continue
            self.x.xdotool("mousemove", *map(str, where), "mousedown", "1")
            try:
                shown = self.wait("result = alternative_keys()", f"the alternatives of {base}")
                assert ch in shown, f"{ch!r} is not among {sorted(shown)}"
                self.x.xdotool("mousemove", *map(str, shown[ch]))
                time.sleep(0.1)
            finally:
                self.x.xdotool("mouseup", "1")
            time.sleep(0.05)
