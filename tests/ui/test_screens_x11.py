"""Screens a clerk must never be trapped on, on the real input path: the app on Xvfb, every
touch an X pointer click (xdotool) or wheel turn at the place the item is drawn.

The review's save button in sight at 1366×768 and 1920×1080; Settings keeping its place
after a save; a dossier's "◀" back to the list it came from, as it was; the document
viewer's pages turned one by one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.touch import Finger, overlaps
from tests.ui.xserver import AppProcess, XServer, missing_tools

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))

CCCD = ("001189012345|012345678|Nguyễn Thị Hồng Nhung|12051989|Nữ|"
        "Thôn Đông, xã Mẫu, huyện Thường Tín, Hà Nội|20042021")

#: Test set-up standing in for the scanner (scanning itself is tested on the SANE test
#: backend elsewhere): one page, a real PDF and thumbnail in the file store.
PAGES = r'''
import io
from reportlab.pdfgen import canvas
from kiosk.intake import IntakePage
from kiosk.ui.qt import QImage, QByteArray
from PySide6.QtCore import QBuffer

def pdf_bytes(pages=1):
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(595, 842))
    for n in range(pages):
        c.setFont("Helvetica", 40)
        c.drawString(100, 700, f"Page {n + 1}")
        c.showPage()
    c.save()
    return out.getvalue()

def thumb_bytes():
    image = QImage(120, 170, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFF)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QBuffer.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data)

def scanned_page():
    store = services.store
    return IntakePage(store.put_file(pdf_bytes()), store.put_file(thumb_bytes()),
                      encoding="g4", size=1000)
'''


@pytest.fixture(scope="module", params=["1366x768", "1920x1080"])
def xserver(request: pytest.FixtureRequest) -> Iterator[XServer]:
    server = XServer(f"{request.param}x24")
    server.size = request.param  # type: ignore[attr-defined]
    yield server
    server.stop()


@pytest.fixture
def finger(xserver: XServer, kiosk_home: Path) -> Iterator[Finger]:
    proc = AppProcess(xserver, kiosk_home)
    width, height = xserver.size.split("x")  # type: ignore[attr-defined]
    proc.call(f"root.setX(0); root.setY(0); root.setWidth({width}); root.setHeight({height})")
    finger = Finger(xserver, proc)
    proc.call(PAGES)
    yield finger
    proc.stop()


def test_review_save_button_in_sight(finger: Finger, xserver: XServer) -> None:
    app = finger.app
    # The longest checklist in the catalog, every document handed in and scanned.
    app.call("assert app.signIn('1234'); intake.start(); app.go('intake'); "
             "intake.chooseProcedure('2.000806')\n"
             f"route({CCCD!r}); intake.setField('phone', '0912345678')\n"
             "for i, c in enumerate(intake.session.components):\n"
             "    if not c.checked: intake.tick(i, c.kinds()[0])\n"
             "    if not c.presented: intake.session.add_page(i, scanned_page())\n"
             "intake.goTo('scan')")
    finger.tap("nextButton")
    assert app.wait_for("result = intake.session.step_name", "review") == "review"
    save = finger.spot("saveButton")
    width, height = (int(v) for v in xserver.size.split("x"))  # type: ignore[attr-defined]
    x, y, w, h = save["rect"]
    assert 0 <= x and x + w <= width and 0 <= y and y + h <= height, (save, xserver.size)
    # Nothing of the review is drawn over it.
    channel = finger.spot("channel1")["rect"]
    assert not overlaps(channel, save["rect"])
    finger.tap("saveButton")
    saved = finger.wait("result = intake.session.saved", "the dossier to be saved", 60)
    assert saved["code"]


def test_settings_keep_their_place_after_a_save(finger: Finger) -> None:
    app = finger.app
    app.call("assert app.signIn('9999'); app.go('settings')")  # the demo's admin
    where = finger.spot("settingsList")
    # Down the list with the wheel, to the printing rows.
    for _turn in range(40):
        if app.call("s = spot('switch_printer.print_on_return'); "
                    "result = bool(s) and s['rect'][1] < root.height() - 200"):
            break
        xserver_wheel(finger, where["x"], where["y"])
    list_y = ("result = [x for x in root.findChildren(QQuickItem, 'settingsList') "
              "if x.isVisible()][0].property('contentY')")
    before = settled(finger, list_y)
    assert before > 0
    was = app.call("result = services.config.get('printer.print_on_return')")
    finger.tap("switch_printer.print_on_return")
    finger.wait(f"result = services.config.get('printer.print_on_return') != {was!r}",
                "the setting to be saved")
    after = app.call("result = [x for x in root.findChildren(QQuickItem, 'settingsList') "
                     "if x.isVisible()][0].property('contentY')")
    assert abs(after - before) < 1, (before, after)

    # A text setting near the end, typed on the on-screen keys: the list brings the field
    # above the keys, and saving it (Enter) does not send the list back to the top.
    for _turn in range(40):
        # A finger waits for the list to stop before it taps: a wheel turn flicks it, and a
        # tap while it still moves lands where the field was (a flake on a loaded machine).
        settled(finger, list_y)
        if app.call("result = bool(spot('edit_ui.idle_lock_minutes'))"):
            break
        xserver_wheel(finger, where["x"], where["y"])
    finger.tap("edit_ui.idle_lock_minutes")
    keyboard = finger.keyboard()
    field = finger.spot("edit_ui.idle_lock_minutes")["rect"]
    assert field[1] + field[3] <= keyboard["top"], (field, keyboard)
    typing = settled(finger, list_y)
    finger.key("-")  # a number keypad with a sign: "-1" is a valid camera setting
    for _key in range(3):
        finger.tap_key("<backspace>")
    finger.type_on_keyboard("45")
    finger.tap_key("<enter>")
    finger.wait("result = services.config.get('ui.idle_lock_minutes') == 45",
                "the minutes to be saved")
    # Not back to the top, and the row still in sight. ListView re-estimates its content
    # height as rows of other heights (section headings) are made when the keys go down,
    # which can shift it by a few pixels; a jump is a row or more.
    assert abs(settled(finger, list_y) - typing) < 20
    assert finger.spot("edit_ui.idle_lock_minutes")


def settled(finger: Finger, code: str) -> float:
    """A value read until it stops changing (a flick decelerates after the wheel)."""
    last = None
    for _turn in range(100):
        value = finger.app.call(code)
        if value == last and value:
            return float(value)
        last = value
        time.sleep(0.2)
    raise AssertionError(f"{code} never settled: {last}")


def xserver_wheel(finger: Finger, x: int, y: int) -> None:
    finger.x.xdotool("mousemove", str(x), str(y), "click", "5")


def test_dossier_back_to_the_list_it_came_from(finger: Finger) -> None:
    app = finger.app
    app.call("from kiosk.demo import seed\nseed(services.store, progress=True)\n"
             "assert app.signIn('1234')")
    finger.tap("lookupButton")
    finger.tap("lookupQuery")
    finger.type_on_keyboard("thi")  # Nguyễn Thị Hồng Nhung, Lê Thị Ánh Tuyết
    finger.tap_key("<hide>")
    assert app.wait_for("result = win.lookup.results.count", 2) == 2
    second = app.call("result = win.lookup.results.get(1)['code']")
    finger.tap("lookupRow_1")
    assert app.wait_for("result = app.screen", "detail") == "detail"
    assert app.wait_for("result = win.detail.dossier.get('code')", second) == second
    assert app.call("result = app.backLabel") == "◀ Danh sách tra cứu"
    finger.tap("detailBack")
    assert app.wait_for("result = app.screen", "lookup") == "lookup"
    assert app.call("result = [x.property('text') for x in root.findChildren(QQuickItem, "
                    "'lookupQuery') if x.isVisible()]") == ["Thi"]  # capitalised by the keys
    assert app.call("result = win.lookup.results.count") == 2

    # A long list, scrolled down: back to the same rows.
    app.call("from kiosk.storage import ApplicantInput, DossierInput\n"
             "for i in range(30):\n"
             "    services.store.save_dossier(DossierInput('2.000815', ApplicantInput("
             "f'Người nộp {i + 1}')), 'canbo')")
    finger.tap("lookupQuery")
    finger.tap_key("<backspace>")
    finger.tap_key("<backspace>")
    finger.tap_key("<backspace>")
    finger.type_on_keyboard("nop")
    finger.tap_key("<hide>")
    assert app.wait_for("result = win.lookup.results.count", 30) == 30
    results = finger.spot("lookupResults")
    list_y = ("result = [x for x in root.findChildren(QQuickItem, 'lookupResults') "
              "if x.isVisible()][0].property('contentY')")
    for _turn in range(6):
        xserver_wheel(finger, results["x"], results["y"])
    finger.wait(list_y + " > 200", "the list to scroll")
    scrolled = settled(finger, list_y)
    row = next(i for i in range(30) if app.call(f"result = spot('lookupRow_{i}')"))
    finger.tap(f"lookupRow_{row + 1}")
    assert app.wait_for("result = app.screen", "detail") == "detail"
    finger.tap("detailBack")
    assert app.wait_for("result = app.screen", "lookup") == "lookup"
    back = settled(finger, list_y)
    assert abs(back - scrolled) < 2, (back, scrolled)

    # From the overdue tab: back to that tab, not to the search.
    finger.tap("overdueTab")
    finger.tap("overdueRow_0")
    assert app.wait_for("result = app.screen", "detail") == "detail"
    finger.tap("detailBack")
    assert app.wait_for("result = [app.screen, win.lookup.tab]", ["lookup", 1]) == ["lookup", 1]
    assert finger.spot("overdueRow_0")


def test_document_viewer_turns_pages(finger: Finger) -> None:
    app = finger.app
    code = app.call(
        "from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput\n"
        "sha = services.store.put_file(pdf_bytes(3))\n"
        "saved = services.store.save_dossier(DossierInput('1.001193', ApplicantInput("
        "'Nguyễn Thị Hồng Nhung'), components=[ComponentInput('Tờ khai đăng ký khai sinh', "
        "pages=[PageInput(sha, 'application/pdf')])]), 'canbo')\n"
        "assert app.signIn('1234'); app.go('detail', saved.code)\n"
        "result = saved.code")
    assert code
    finger.tap("document_0")
    counter = "result = [x.property('text') for x in root.findChildren(QQuickItem, " \
              "'pageCounter') if x.isVisible()]"
    assert app.wait_for(counter, ["Trang 1/3"]) == ["Trang 1/3"]
    finger.tap("pageNext")
    assert app.wait_for(counter, ["Trang 2/3"]) == ["Trang 2/3"]
    finger.tap("pageNext")
    assert app.wait_for(counter, ["Trang 3/3"]) == ["Trang 3/3"]
    assert not finger.app.call("result = spot('pageNext')['enabled']")
    finger.tap("pagePrevious")
    assert app.wait_for(counter, ["Trang 2/3"]) == ["Trang 2/3"]
    finger.tap("viewerClose")
    assert app.wait_for("result = spot('pageCounter') is None", True)
