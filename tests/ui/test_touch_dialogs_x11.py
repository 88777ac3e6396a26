"""Dialogs with a text field and the on-screen keyboard, on the real input path: the app on
Xvfb, every touch an X pointer click (xdotool) on the key or button as it is drawn.

The keyboard lies over every dialog; a dialog moves up above it, so the field being typed
into and the keys are both in sight, and its buttons stay in a fixed row at its bottom
while only the fields scroll. Each dialog with a text field has a test here that types into
it with the keyboard's own keys; static checks keep new dialogs honest.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.touch import Finger, overlaps
from tests.ui.xserver import AppProcess, XServer, missing_tools

needs_x = pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))
QML = Path(__file__).resolve().parents[2] / "kiosk" / "ui" / "qml"
SHOTS = os.environ.get("KIOSK_SCREENSHOTS", "")
OWNER = "001158024485"
# A button that answers the dialog: by its name (…Confirm, …Cancel, leaveYes…) or its words.
ANSWER = re.compile(r'objectName:\s*"\w*(?:Confirm|Cancel|Close|Yes|Stay|Ignore)"'
                    r'|\.t\("(?:Huỷ|Đóng|Xác nhận|Giữ lại|Ở lại|Bỏ qua)')


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


def fixed_row(block: str) -> tuple[str, str] | None:
    """A TouchDialog's ``buttons: [...]`` (brackets matched) and the rest of it, or None
    when it has no fixed row."""
    match = re.search(r"\bbuttons:\s*\[", block)
    if match is None:
        return None
    depth, start = 0, match.end() - 1
    for j in range(start, len(block)):
        depth += {"[": 1, "]": -1}.get(block[j], 0)
        if depth == 0:
            return block[start:j + 1], block[:match.start()] + block[j + 1:]
    return None


def misplaced(text: str) -> list[str]:
    """Each TouchDialog of a QML file whose answers are not in its fixed row: they would
    scroll away under the on-screen keyboard with the fields."""
    found = []
    for block in blocks(text, "TouchDialog"):
        name = re.search(r'objectName:\s*"(\w+)"', block)
        label = name.group(1) if name else block[:40]
        parts = fixed_row(block)
        among_fields = any(ANSWER.search(button)
                           for button in blocks(parts[1] if parts else block, r"\w*Button"))
        if parts is None or not ANSWER.search(parts[0]) or among_fields:
            found.append(label)
    return found


def test_every_dialog_keeps_its_answers_in_the_fixed_row() -> None:
    """Confirm, Cancel, Close… of every TouchDialog lie in ``buttons: [...]`` (drawn under
    the fields that scroll, always above the keys), none among the fields."""
    offenders = {path.name: misplaced(path.read_text()) for path in QML.rglob("*.qml")
                 if path.name != "TouchDialog.qml"}
    dialogs = sum(len(list(blocks(path.read_text(), "TouchDialog")))
                  for path in QML.rglob("*.qml") if path.name != "TouchDialog.qml")
    assert dialogs >= 12  # the check reads the dialogs it is about
    assert not {name: found for name, found in offenders.items() if found}, offenders


def test_the_check_finds_buttons_among_the_fields() -> None:
    """The shape of last round's dialogs (the buttons' row the last of the fields) fails."""
    old = """TouchDialog {
        objectName: "factsDialog"
        Field { objectName: "factsNumber" }
        RowLayout {
            BigButton { objectName: "factsConfirm"; text: app.lang, app.t("Xác nhận") }
            BigButton { objectName: "factsCancel"; text: app.lang, app.t("Huỷ") }
        }
    }"""
    half = """TouchDialog {
        objectName: "halfDialog"
        Field { objectName: "x" }
        BigButton { text: app.lang, app.t("Huỷ") }
        buttons: [ BigButton { objectName: "halfConfirm" } ]
    }"""
    new = """TouchDialog {
        objectName: "goodDialog"
        Field { objectName: "x" }
        buttons: [ BigButton { objectName: "goodConfirm" }, BigButton { text: app.lang, app.t("Huỷ") } ]
    }"""
    assert misplaced(old) == ["factsDialog"]
    assert misplaced(half) == ["halfDialog"]
    assert misplaced(new) == []


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


@needs_x
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


@needs_x
def test_paper_facts_confirmed_with_the_keys_up(app: AppProcess, xserver: XServer,
                                               tmp_path: Path) -> None:
    """The tallest dialog with fields (three of them under a title, the document's name and
    where the values come from): with the keys up its fields scroll, and Xác nhận stays in
    the window above the keys, where a real tap confirms what was typed."""
    finger = Finger(xserver, app)
    app.call("from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput\n"
             "from tests.ocr.test_ocr_search import typed_page\n"
             "store = services.store\n"
             "page = store.put_file(typed_page(['GIẤY XÁC NHẬN'], dpi=100))\n"
             "saved = store.save_dossier(DossierInput('1.004222', ApplicantInput(\n"
             f"    'Trần Văn Quý', id_number={OWNER!r}), components=[ComponentInput(\n"
             "    'Giấy tờ chứng minh chỗ ở hợp pháp', code='CO',\n"
             "    pages=[PageInput(page, 'application/pdf')])]), actor='canbo')\n"
             "assert app.signIn('1234')\n"
             "win.detail.load(saved.code); app.go('detail', saved.code)\n"
             "facts = win.engine.rootContext().contextProperty('paperFacts')\n"
             "def fields_rect():\n"
             "    return scene_rect(root.findChild(QQuickItem, 'factsDialogFields'))")
    finger.tap("factsButton_0")
    finger.wait("result = facts.paperId != '' and not facts.busy", "the paper's facts")
    finger.tap("factsUntilInput")  # the lowest field
    keyboard = finger.keyboard()
    top = keyboard["top"]
    # The fields do not all fit above the keys: they scroll, the buttons do not.
    scroll = finger.wait("f = root.findChild(QQuickItem, 'factsDialogFields'); "
                         "result = [f.property('contentHeight'), f.height()] "
                         "if f.property('contentHeight') > f.height() else None",
                         "the fields to scroll above the keys")
    assert scroll[0] > scroll[1] > 0, scroll

    def above_the_keys(name: str) -> list[float]:
        rect: list[float] = finger.spot(name)["rect"]
        assert rect[1] >= 0 and rect[1] + rect[3] <= top, (name, rect, top)
        assert rect[0] >= 0 and rect[0] + rect[2] <= app.call("result = root.width()"), rect
        assert not overlaps(rect, keyboard["rect"]), (name, rect, keyboard)
        return rect

    # Tapped with the keys down, the lowest field was scrolled into view as they came up
    # (Main.qml's revealFocus), wholly inside the fields' part of the dialog.
    finger.wait("s = spot('factsUntilInput'); f = fields_rect(); "
                "result = s and f[1] <= s['rect'][1] and "
                "s['rect'][1] + s['rect'][3] <= f[1] + f[3]", "the date field in view")
    until = above_the_keys("factsUntilInput")
    confirm = above_the_keys("factsConfirm")
    above_the_keys("factsCancel")
    assert confirm[1] >= until[1] + until[3]  # the row under the fields
    shot = Path(SHOTS) / "33-paper-facts-keyboard.png" if SHOTS else tmp_path / "facts.png"
    app.call(f"root.grabWindow().save({str(shot)!r})")

    # The top field, its caption scrolled out of sight, is typed into in view.
    finger.tap("factsNumberInput")
    finger.wait("s = spot('factsNumberInput'); f = fields_rect(); "
                "result = s and f[1] <= s['rect'][1] and "
                "s['rect'][1] + s['rect'][3] <= f[1] + f[3]", "the number field in view")
    finger.type_on_keyboard("abc")
    assert app.wait_for("result = focus_item()['text'].lower()", "abc") == "abc"
    assert app.call("result = keyboard_state()['active']")
    assert above_the_keys("factsConfirm") == confirm  # the row did not move
    finger.tap("factsConfirm")
    number = finger.wait(
        "from kiosk.storage import papers as local_papers\n"
        "from kiosk.clock import now\n"
        f"p = store.read(lambda db: local_papers.for_id_number(db, {OWNER!r}, now().date()))\n"
        "result = p and p[0]['number']", "the paper's number to be recorded")
    assert number.lower() == "abc"
    assert app.wait_for("result = spot('factsConfirm') is None", True)
