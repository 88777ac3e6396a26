"""Messages (toasts) on the real input path: the app on Xvfb, every touch an X pointer click.

A message never covers the field being typed into nor the on-screen keyboard; a tap on it
stops there (its × closes it, nothing under it gets the tap, the field keeps its focus and
its keyboard); a message tied to a cause leaves when the cause is gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.touch import Finger, overlaps
from tests.ui.xserver import AppProcess, XServer, missing_tools

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))

TOAST = "t = root.findChild(QObject, 'toast'); "


@pytest.fixture
def finger(xserver: XServer, kiosk_home: Path) -> Iterator[Finger]:
    proc = AppProcess(xserver, kiosk_home)
    proc.call("assert app.signIn('1234'); intake.start(); app.go('intake'); "
              "intake.chooseProcedure('1.001193')")  # the applicant step
    yield Finger(xserver, proc)
    proc.stop()


def toast_state(finger: Finger) -> dict[str, object]:
    state: dict[str, object] = finger.app.call(
        TOAST + "result = {'shown': t.property('opacity') == 1, 'rect': scene_rect(t), "
        "'text': t.property('text'), 'dismissedBy': t.property('dismissedBy')}")
    return state


def test_message_keeps_clear_of_the_field_and_takes_its_own_taps(finger: Finger) -> None:
    app = finger.app
    finger.tap("fieldNameInput")  # top left: where a message used to sit
    keyboard = finger.keyboard()
    app.call("app.error('Không kết nối được máy in. Kiểm tra cáp và bật lại máy in.')")
    shown = finger.wait(TOAST + "result = t.property('opacity') == 1 and scene_rect(t)",
                        "the message")
    finger.wait("result = spot('toastClose')", "the message to settle")
    field = app.call("result = focus_item()")
    assert field["name"] == "fieldNameInput"
    toast = toast_state(finger)["rect"]
    assert isinstance(toast, list) and shown
    assert not overlaps(toast, field["rect"]), (toast, field)
    assert not overlaps(toast, keyboard["rect"]), (toast, keyboard)
    # Nor the header (Home, Lock).
    assert toast[1] >= app.call("result = root.property('header').height()"), toast

    # A tap on the message's text: it stays, and nothing under it gets the tap.
    finger.tap("toastText")
    assert toast_state(finger)["shown"]
    assert app.call("result = focus_item()['name']") == "fieldNameInput"
    # The ×: the message goes; the field keeps its focus and its keyboard.
    finger.tap("toastClose")
    assert finger.wait(TOAST + "result = t.property('dismissedBy')", "the ×") == "close"
    assert app.call("result = focus_item()['name']") == "fieldNameInput"
    assert app.call("result = keyboard_state()['active']")


def test_bad_phone_message_leaves_once_the_phone_is_corrected(finger: Finger) -> None:
    app = finger.app
    finger.tap("fieldNameInput")
    finger.type_on_keyboard("an")
    finger.tap("fieldPhoneInput")
    finger.type_on_keyboard("0912")
    finger.tap_key("<hide>")
    finger.tap("nextButton")
    state = finger.wait(TOAST + "result = t.property('opacity') == 1 and t.property('text')",
                        "the problem message")
    assert "Số điện thoại không đúng" in str(state)
    assert app.call("result = intake.session.step_name") == "applicant"

    # Back in the field: the message stays clear of it and of the keys.
    finger.tap("fieldPhoneInput")
    keyboard = finger.keyboard()
    field = app.call("result = focus_item()")
    toast = toast_state(finger)
    assert toast["shown"] and not overlaps(toast["rect"], field["rect"])  # type: ignore[arg-type]
    assert not overlaps(toast["rect"], keyboard["rect"])  # type: ignore[arg-type]
    finger.type_on_keyboard("345678")
    finger.tap_key("<hide>")
    assert app.wait_for("result = intake.session.applicant.phone", "0912345678") == "0912345678"
    # Gone because the phone is right now, not because a timer ran out.
    assert finger.wait(TOAST + "result = t.property('dismissedBy')",
                       "the message to leave") == "cause"
    finger.tap("nextButton")
    assert app.wait_for("result = intake.session.step_name", "checklist") == "checklist"
