"""Dialogs with a text field and the on-screen keyboard, on the real input path: the app on
Xvfb, every touch an X pointer click (xdotool) on the key or button as it is drawn.

The keyboard lies over every dialog; a dialog moves up above it, so the field being typed
into and the keys are both in sight. Each dialog with a text field has a test here that
types into it with the keyboard's own keys; a static check keeps new dialogs honest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.touch import Finger, overlaps
from tests.ui.xserver import AppProcess, XServer, missing_tools

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))
QML = Path(__file__).resolve().parents[2] / "kiosk" / "ui" / "qml"


@pytest.fixture
def app(xserver: XServer, kiosk_home: Path) -> Iterator[AppProcess]:
    proc = AppProcess(xserver, kiosk_home)
    yield proc
    proc.stop()


def blocks(text: str, opener: str) -> Iterator[str]:
    """Each ``opener { ... }`` block of a QML file, braces matched."""
    for match in re.finditer(rf"\b{opener}\s*\{{", text):
        depth, i = 0, match.end() - 1
        for j in range(i, len(text)):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                yield text[i:j + 1]
                break


def test_every_dialog_with_a_text_field_keeps_above_the_keyboard() -> None:
    """A plain Popup with a field would open under the keyboard again: only TouchDialog
    moves above it."""
    offenders = []
    for path in QML.rglob("*.qml"):
        if path.name == "TouchDialog.qml":
            continue
        for block in blocks(path.read_text(), r"(?:Popup|Dialog|Drawer)"):
            editable = re.search(r"\b(TextField|Field|TextInput)\s*\{", block) or (
                re.search(r"\bTextArea\s*\{", block) and "readOnly: true" not in block)
            if editable:
                offenders.append(path.name)
    assert not offenders, offenders


def test_apology_reason_typed_with_the_on_screen_keys(app: AppProcess,
                                                      xserver: XServer) -> None:
    finger = Finger(xserver, app)
    codes = app.call("from kiosk.demo import seed\n"
                     "result = seed(services.store, progress=True)\n"
                     "assert app.signIn('1234')")
    late = codes[4]  # the demo's overdue dossier
    app.call(f"win.detail.load({late!r}); app.go('detail', {late!r})")
    finger.tap("apologyButton")
    finger.tap("apologyReasonInput")
    keyboard = finger.keyboard()
    top = keyboard["top"]
    # The field and the dialog's buttons are above the keys, inside the window.
    for name in ("apologyReasonInput", "apologyConfirm", "apologyMore"):
        rect = finger.spot(name)["rect"]
        assert rect[1] >= 0 and rect[1] + rect[3] <= top, (name, rect, top)
        assert not overlaps(rect, keyboard["rect"]), (name, rect, keyboard)

    finger.type_on_keyboard("mất điện")
    assert app.wait_for("result = focus_item()['text']", "Mất điện") == "Mất điện"
    finger.tap("apologyMore")  # three working days instead of two
    finger.tap("apologyConfirm")
    letters = finger.wait(
        f"result = services.store.get_dossier({late!r}).get('postponements')",
        "the postponement to be recorded")
    assert letters[-1]["reason"] == "Mất điện", letters
    assert app.wait_for("result = spot('apologyConfirm') is None", True)
