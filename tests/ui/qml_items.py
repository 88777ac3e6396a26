"""Find, read, click and type into QML items by objectName, as a clerk's touches would."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import wait_idle

#: The visible item called ``name`` that lies on top (the last child first), for the two
#: look-ups below.
_FIND_ITEM = """
    function find(it) {
        if (!it) return null;
        var kids = it.children || [];
        for (var i = kids.length - 1; i >= 0; i--) { var r = find(kids[i]); if (r) return r; }
        if (it.objectName === name && it.visible && it.width > 0) return it;
        return null;
    }
"""
_FIND = """(function(name, prop) {""" + _FIND_ITEM + """    var top = contentItem;
    while (top.parent) top = top.parent;
    var it = find(top);
    if (!it) return null;
    if (prop === "scroll_to_end") { it.contentY = Math.max(0, it.contentHeight - it.height); return "ok"; }
    if (prop) return String(it[prop]);
    var p = it.mapToItem(null, it.width / 2, it.height / 2);
    return p.x + "," + p.y;
})"""


def qml(win: Any, name: str, prop: str = "") -> Any:
    """Look an item up by objectName in QML itself: PySide wrappers of items a Loader
    created can come back already deleted, values never do."""
    from PySide6.QtQml import QQmlExpression

    expr = QQmlExpression(win.engine.rootContext(), win.root(),
                          f"{_FIND}({json.dumps(name)}, {json.dumps(prop)})")
    value, _undefined = expr.evaluate()
    return value


#: Whether a finger can reach the middle of the item: "ok"; "keyboard" when the on-screen
#: keyboard lies over it; "hidden" when a clipping ancestor (a dialog's Flickable scrolled
#: with the keyboard up) or the window cuts it off; null when there is no such item.
#: (A tap on the keys instead of a dialog's Confirm typed a Telex tone mark into the
#: field's pre-edit once: nothing visible in the field, nothing recorded.)
_REACH = """(function(name) {""" + _FIND_ITEM + """    function named(it, what) {
        if (!it) return null;
        if (it.objectName === what) return it;
        var kids = it.children || [];
        for (var i = 0; i < kids.length; i++) { var r = named(kids[i], what); if (r) return r; }
        return null;
    }
    var top = contentItem;
    while (top.parent) top = top.parent;
    var it = find(top);
    if (!it) return null;
    var p = it.mapToItem(null, it.width / 2, it.height / 2);
    if (p.x < 0 || p.y < 0 || p.x >= top.width || p.y >= top.height) return "hidden";
    for (var a = it.parent; a; a = a.parent) {
        if (!a.clip) continue;
        var q = a.mapFromItem(null, p.x, p.y);
        if (q.x < 0 || q.y < 0 || q.x >= a.width || q.y >= a.height) return "hidden";
    }
    var keys = named(top, "inputPanel");
    // Also while it slides away (its y is animated): until then the keys take the tap.
    if (keys && keys.visible) {
        var k = keys.mapFromItem(null, p.x, p.y);
        if (k.x >= 0 && k.y >= 0 && k.x < keys.width && k.y < keys.height) return "keyboard";
    }
    return "ok";
})"""


def reach(win: Any, name: str) -> Any:
    from PySide6.QtQml import QQmlExpression

    expr = QQmlExpression(win.engine.rootContext(), win.root(),
                          f"{_REACH}({json.dumps(name)})")
    value, _undefined = expr.evaluate()
    return value


def blur(win: Any) -> None:
    from PySide6.QtQml import QQmlExpression

    QQmlExpression(win.engine.rootContext(), win.root(),
                   "contentItem.forceActiveFocus(); Qt.inputMethod.hide()").evaluate()


def item_value(qtbot: Any, win: Any, name: str, prop: str) -> str:
    qtbot.waitUntil(lambda: qml(win, name, prop) is not None, timeout=10_000)
    return str(qml(win, name, prop))


def keyboard_up(win: Any) -> bool:
    from kiosk.ui.qt import QQuickItem

    panel = win.root().findChild(QQuickItem, "inputPanel")
    return panel is not None and bool(panel.property("active"))


def hide_keyboard(win: Any) -> None:
    """What the keyboard's own hide key does; the field keeps the cursor and its text."""
    from PySide6.QtQml import QQmlExpression

    QQmlExpression(win.engine.rootContext(), win.root(), "Qt.inputMethod.hide()").evaluate()


def click(qtbot: Any, win: Any, name: str) -> None:
    """Tap the middle of the item, once a finger can reach it. With the on-screen keyboard
    up, what lies under the keys (a screen's lower buttons, a dialog's fields scrolled out of
    sight; a dialog's own buttons stay above them) is reached as a clerk does: closing the
    keyboard first. A tap at the place of an item nobody can see would land on the keys (or
    nowhere) and do nothing."""
    wait_idle(qtbot, win)
    qtbot.waitUntil(lambda: reach(win, name) is not None, timeout=10_000)
    if reach(win, name) != "ok" and keyboard_up(win):
        hide_keyboard(win)
    try:
        qtbot.waitUntil(lambda: reach(win, name) == "ok", timeout=10_000)
    except Exception:  # pytest-qt raises its own TimeoutError
        raise AssertionError(f"{name} is not where a finger can reach it: "
                             f"{reach(win, name)}") from None
    x, y = (float(v) for v in str(qml(win, name)).split(","))
    QTest.mouseClick(win.root(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(int(x), int(y)))
    wait_idle(qtbot, win)


_stamp = [50_000_000]


def focus_by_tapping(qtbot: Any, win: Any, name: str) -> None:
    """Tap the field until it has the cursor, as a person looks before typing: under load
    a tap can reach a dialog still being laid out, and keys sent then go elsewhere."""
    wait_idle(qtbot, win)
    # A parts/Field is a caption over a TextField named after it with "Input".
    target = name + "Input" if qml(win, name + "Input") is not None else name
    for _attempt in range(3):
        click(qtbot, win, target)
        try:
            qtbot.waitUntil(lambda: qml(win, target, "activeFocus") == "true", timeout=3_000)
            return
        except Exception:  # pytest-qt raises its own TimeoutError
            continue
    raise AssertionError(f"the field {name} never took the cursor after three taps")


def type_into(qtbot: Any, win: Any, name: str, text: str) -> None:
    """Click the field, select all, type like a person (120 ms a key: faster bursts are
    what the barcode wedge filter takes for a scan), then Enter."""
    from kiosk.ui.qt import QEvent, QGuiApplication, QKeyEvent

    focus_by_tapping(qtbot, win, name)

    def key(code: int, mods: Any = Qt.KeyboardModifier.NoModifier, char: str = "") -> None:
        _stamp[0] += 120
        press = QKeyEvent(QEvent.Type.KeyPress, code, mods, char)
        press.setTimestamp(_stamp[0])
        QGuiApplication.sendEvent(win.root(), press)

    key(int(Qt.Key.Key_A), Qt.KeyboardModifier.ControlModifier)
    key(int(Qt.Key.Key_Backspace))
    for char in text:
        key(0, char=char)
    key(int(Qt.Key.Key_Return), char="\r")
    wait_idle(qtbot, win)
