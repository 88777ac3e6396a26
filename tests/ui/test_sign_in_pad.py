"""The PIN pad: taps on its keys sign in, the PIN is checked off the GUI thread."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.ui.qml_items import qml


def tap(qtbot: Any, win: Any, name: str) -> None:
    """A touch on the item's centre (the pad's keys are a Repeater's, found in QML)."""
    qtbot.waitUntil(lambda: qml(win, name) is not None, timeout=10_000)
    x, y = (float(v) for v in str(qml(win, name)).split(","))
    QTest.mouseClick(win.root(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(int(x), int(y)))


def dots(win: Any) -> str:
    return str(qml(win, "pinDots", "text")).strip()


def enter(qtbot: Any, win: Any, pin: str) -> None:
    for digit in pin:
        tap(qtbot, win, f"pinKey_{digit}")
    qtbot.waitUntil(lambda: dots(win) == "●" * len(pin), timeout=5_000)
    tap(qtbot, win, "pinKey_OK")


def test_pin_pad_signs_in_with_the_pin_checked_off_the_gui_thread(qtbot: Any,
                                                                  window: Any) -> None:
    clerks = window.services.clerks
    checked_on: list[threading.Thread] = []
    sign_in = clerks.sign_in

    def recording(pin: str) -> Any:
        checked_on.append(threading.current_thread())
        return sign_in(pin)

    clerks.sign_in = recording
    messages: list[tuple[str, str]] = []
    window.app.message.connect(lambda text, kind: messages.append((text, kind)))
    qtbot.waitUntil(lambda: window.app.screen == "signin" and dots(window) == "", timeout=5_000)

    enter(qtbot, window, "0000")
    qtbot.waitUntil(lambda: bool(messages), timeout=10_000)
    assert messages[-1][1] == "error" and "PIN" in messages[-1][0]
    assert window.app.screen == "signin" and not window.app.property("signedIn")
    assert not window.app.property("checkingPin") and dots(window) == ""

    enter(qtbot, window, "1234")
    qtbot.waitUntil(lambda: window.app.screen == "home", timeout=10_000)
    assert window.app.property("clerkName") == "Nguyễn Thị Demo"
    assert not window.app.property("checkingPin")
    assert len(checked_on) == 2
    assert all(t is not threading.main_thread() for t in checked_on)


def test_keys_wait_while_a_pin_is_checked(qtbot: Any, window: Any) -> None:
    clerks = window.services.clerks
    release = threading.Event()
    sign_in = clerks.sign_in

    def slow(pin: str) -> Any:
        release.wait(10)
        return sign_in(pin)

    clerks.sign_in = slow
    enter(qtbot, window, "1234")
    qtbot.waitUntil(lambda: bool(window.app.property("checkingPin")), timeout=5_000)
    tap(qtbot, window, "pinKey_5")  # the pad takes no key until the answer
    tap(qtbot, window, "pinKey_OK")  # nor a second check
    assert dots(window) == "" and window.app.screen == "signin"
    release.set()
    qtbot.waitUntil(lambda: window.app.screen == "home", timeout=10_000)
    assert not window.app.property("checkingPin")
