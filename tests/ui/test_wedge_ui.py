"""Keyboard-wedge readers on a real window: a burst is a scan and never lands in a text field;
a person typing (even fast, even in Vietnamese) is never taken for a scan."""

from __future__ import annotations

from typing import Any

from kiosk.demo import seed
from kiosk.ui.qt import QEvent, QGuiApplication, QKeyEvent, QQuickItem, Qt
from tests.ui.conftest import wait_idle


def send_keys(window: Any, text: str, gap_ms: int, enter: bool, start_ms: int) -> int:
    """Key presses with their own timestamps, as the X server would stamp them."""
    root = window.root()
    t = start_ms
    for ch in text:
        press = QKeyEvent(QEvent.Type.KeyPress, 0, Qt.KeyboardModifier.NoModifier, ch)
        press.setTimestamp(t)
        QGuiApplication.sendEvent(root, press)
        t += gap_ms
    if enter:
        press = QKeyEvent(QEvent.Type.KeyPress, int(Qt.Key.Key_Return),
                          Qt.KeyboardModifier.NoModifier, "\r")
        press.setTimestamp(t)
        QGuiApplication.sendEvent(root, press)
        t += gap_ms
    return t


def focused_text() -> str:
    """The text of the item with the keyboard focus (read through Qt, not a kept wrapper)."""
    item = QGuiApplication.focusObject()
    return str(item.property("text")) if item is not None else "<no focus>"


def focused_field(qtbot: Any, window: Any, name: str) -> Any:
    """The visible field of that name, with the keyboard focus (screens load asynchronously:
    an item of a screen just replaced may still be found until it is deleted)."""
    root = window.root()
    root.requestActivate()
    found: list[Any] = []

    def focus() -> bool:
        for field in reversed(root.findChildren(QQuickItem, name)):
            try:
                if field.isVisible():
                    field.forceActiveFocus()
                    if field.hasActiveFocus():
                        found[:] = [field]
                        return True
            except RuntimeError:  # already deleted
                continue
        return False

    qtbot.waitUntil(focus, timeout=5000)
    return found[0]


def test_scan_on_return_screen_never_types_into_the_field(qtbot: Any, window: Any) -> None:
    codes = seed(window.services.store, progress=True)
    assert window.app.signIn("1234")
    window.returns.clear()
    window.app.go("return")
    qtbot.wait(200)
    focused_field(qtbot, window, "returnQuery")
    send_keys(window, codes[3], gap_ms=4, enter=True, start_ms=10_000_000)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.returns.dossier.get("code") == codes[3], timeout=10_000)
    assert focused_text() == ""


def applicant_field(qtbot: Any, window: Any, name: str) -> None:
    """Signed in, on the intake's applicant step, with the keyboard focus in field ``name``."""
    assert window.app.signIn("1234")
    window.intake.start()
    window.app.go("intake")
    window.intake.chooseProcedure("1.001193")
    qtbot.wait(200)
    focused_field(qtbot, window, name)


def test_typing_vietnamese_reaches_the_field(qtbot: Any, window: Any) -> None:
    applicant_field(qtbot, window, "fieldNameInput")
    # A fast typist: 90 ms between keys, and a quick pair at 30 ms inside a word.
    t = send_keys(window, "Nguyễn ", gap_ms=90, enter=False, start_ms=20_000_000)
    t = send_keys(window, "Thị", gap_ms=30, enter=False, start_ms=t + 120)
    qtbot.waitUntil(lambda: focused_text() == "Nguyễn Thị", timeout=5000)
    # Enter while typing stays a key for the field, not a scan.
    send_keys(window, "", gap_ms=100, enter=True, start_ms=t + 200)
    qtbot.wait(100)
    assert focused_text() == "Nguyễn Thị"
    assert window.app.screen == "intake"


def test_cccd_burst_fills_the_applicant_not_the_focused_field(qtbot: Any, window: Any) -> None:
    applicant_field(qtbot, window, "fieldPhoneInput")
    payload = "001189012345||Nguyễn Thị Hồng Nhung|12051989|Nữ|Thôn Đông, xã Mẫu|20042021"
    send_keys(window, payload, gap_ms=3, enter=True, start_ms=30_000_000)
    qtbot.waitUntil(lambda: window.intake.session.applicant.name == "Nguyễn Thị Hồng Nhung",
                    timeout=5000)
    assert window.intake.session.applicant.cccd_raw == payload
    assert focused_text() == ""


# --- an input method in between (IBus/Fcitx with Telex), synthesized ------------------------
# What Qt's ibus plugin does with a focused field: the keys go to the input method, the app
# sees only its pre-edit/commit events. The wedge filter is fed the raw keys (as the X11 hook
# feeds it) and must hold the composed text until the keys turn out to be typing.

def im_event(preedit: str, commit: str = "") -> Any:
    from PySide6.QtGui import QInputMethodEvent

    event = QInputMethodEvent(preedit, [])
    if commit:
        event.setCommitString(commit)
    return event


def raw_then_im(window: Any, keys: str, events: list[tuple[str, str]], gap_ms: int,
                start_ms: int, suffix: bool) -> int:
    """Each raw key press, then what the input method made of it, sent to the focus item."""
    from kiosk.devices.barcode.wedge import ENTER, KeyEvent

    wedge = window.services.extras["wedge"]
    t = start_ms
    for ch, (preedit, commit) in zip(keys, events, strict=True):
        wedge.raw_key(KeyEvent(ch, t / 1000))
        QGuiApplication.processEvents()
        QGuiApplication.sendEvent(QGuiApplication.focusObject(), im_event(preedit, commit))
        t += gap_ms
    if suffix:
        wedge.raw_key(KeyEvent("", t / 1000, ENTER))
        QGuiApplication.processEvents()
        t += gap_ms
    return t


def test_input_method_text_of_a_scan_never_reaches_the_field(qtbot: Any, window: Any) -> None:
    applicant_field(qtbot, window, "fieldPhoneInput")
    wedge = window.services.extras["wedge"]
    wedge.raw = True
    scans: list[str] = []
    wedge.on_scan = scans.append
    # Telex would turn "dd" into "đ": the field must see none of it.
    keys = "0123456789ddx"
    events = [(keys[: i + 1], "") for i in range(10)] + [("0123456789d", ""),
                                                          ("0123456789đ", ""),
                                                          ("", "0123456789đx")]
    raw_then_im(window, keys, events, gap_ms=4, start_ms=40_000_000, suffix=True)
    qtbot.waitUntil(lambda: scans == [keys], timeout=2000)
    qtbot.wait(200)
    assert focused_text() == ""
    assert not wedge._queue  # nothing left waiting either


def test_input_method_typing_reaches_the_field(qtbot: Any, window: Any) -> None:
    applicant_field(qtbot, window, "fieldNameInput")
    window.services.extras["wedge"].raw = True
    keys = "Nguyeenx "
    events = [("N", ""), ("Ng", ""), ("Ngu", ""), ("Nguy", ""), ("Nguye", ""),
              ("Nguyê", ""), ("Nguyên", ""), ("Nguyễn", ""), ("", "Nguyễn ")]
    # Keys a person types (120 ms apart): each composed text shows, in order.
    raw_then_im(window, keys, events, gap_ms=120, start_ms=50_000_000, suffix=False)
    qtbot.waitUntil(lambda: focused_text() == "Nguyễn ", timeout=3000)


def test_stamped_shift_presses_and_a_tab_suffix_make_one_scan(qtbot: Any, window: Any) -> None:
    """Qt's key path (offscreen, or a platform without the X hook): Shift presses between the
    characters, as a reader sends them, and Tab as the suffix."""
    codes = seed(window.services.store, progress=True)
    assert window.app.signIn("1234")
    window.returns.clear()
    window.app.go("return")
    qtbot.wait(200)
    focused_field(qtbot, window, "returnQuery")
    root, t = window.root(), 60_000_000
    for ch in codes[3]:
        if ch.isupper():
            shift = QKeyEvent(QEvent.Type.KeyPress, int(Qt.Key.Key_Shift),
                              Qt.KeyboardModifier.ShiftModifier, "")
            shift.setTimestamp(t)
            QGuiApplication.sendEvent(root, shift)
            t += 1
        press = QKeyEvent(QEvent.Type.KeyPress, 0, Qt.KeyboardModifier.NoModifier, ch)
        press.setTimestamp(t)
        QGuiApplication.sendEvent(root, press)
        t += 6
    tab = QKeyEvent(QEvent.Type.KeyPress, int(Qt.Key.Key_Tab), Qt.KeyboardModifier.NoModifier,
                    "\t")
    tab.setTimestamp(t)
    QGuiApplication.sendEvent(root, tab)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.returns.dossier.get("code") == codes[3], timeout=10_000)
    assert focused_text() == ""
