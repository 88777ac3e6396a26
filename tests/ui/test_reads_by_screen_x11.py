"""A read means what the screen is for, and leaving an intake asks first: the app on Xvfb,
reads typed by a keyboard-wedge reader through XTest (xdotool) or handed over as a serial
reader does (``route``, the one routing every source goes through), every touch a real X
click.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.dossier import Status
from tests.ui.touch import Finger
from tests.ui.xserver import AppProcess, XServer, missing_tools

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))

#: A proxy's card, typed by a keyboard-mode reader (which cannot type diacritics).
PROXY = "001190001234||Tran Thi Buoi|02021990|Nu|Thon Dong, xa Mau, Ha Noi|01012022"
#: The demo's finished dossier belongs to Phạm Quốc Việt.
OWNER = ("036085007788|162345678|Phạm Quốc Việt|05031985|Nam|"
         "Thôn Nam, xã Mẫu, huyện Thường Tín, Hà Nội|11062021")
NHUNG = ("001189012345|012345678|Nguyễn Thị Hồng Nhung|12051989|Nữ|"
         "Thôn Đông, xã Mẫu, huyện Thường Tín, Hà Nội|20042021")
DUC = "034092001122||Trần Văn Đức|01021992|Nam|Xóm Bến, xã Mẫu, Hà Nội|05052021"


@pytest.fixture
def finger(xserver: XServer, kiosk_home: Path) -> Iterator[Finger]:
    # A loaded machine stalls xdotool now and then: the reader's gap allows it (as in
    # test_wedge_x11); the routing is what is tested here.
    proc = AppProcess(xserver, kiosk_home,
                      {"KIOSK_TEST_CONFIG": json.dumps({"barcode.wedge_max_gap_ms": 250})})
    window = proc.call("result = int(root.winId())")
    xserver.xdotool("mousemove", "600", "400")
    xserver.xdotool("windowfocus", "--sync", str(window))
    yield Finger(xserver, proc)
    proc.stop()


def seeded(finger: Finger) -> list[str]:
    codes: list[str] = finger.app.call("from kiosk.demo import seed\n"
                                       "result = seed(services.store, progress=True)\n"
                                       "assert app.signIn('1234')")
    return codes


def test_proxy_card_on_the_return_screen_fills_the_recipient(finger: Finger,
                                                             xserver: XServer) -> None:
    app = finger.app
    done = seeded(finger)[3]
    finger.tap("returnButton")
    # The owner comes without the receipt: their card finds their dossier.
    assert app.call(f"result = route({OWNER!r})") == "cccd"
    assert app.wait_for("result = returns.dossier.get('code')", done) == done
    assert app.call("result = returns.recipient['proxy']") is False
    assert app.call("result = app.screen") == "return"
    # A proxy collects it instead: their card, read by a keyboard-mode reader, fills the
    # recipient; no intake starts.
    xserver.scan(PROXY, delay_ms=10)
    recipient = finger.wait("r = returns.recipient; result = r if r['proxy'] else None",
                            "the proxy to be filled")
    assert recipient == {"proxy": True, "name": "Tran Thi Buoi", "idNumber": "001190001234",
                         "fromCard": True}
    assert app.call("result = app.screen") == "return"
    assert app.call("result = intake.session.applicant.name") == ""
    assert finger.spot("recipientFromCard")
    finger.tap("unscannedReason0")  # no result digitised (issue 24): a reason
    finger.tap("handOverButton")
    record = finger.wait(f"r = services.store.get_dossier({done!r}); "
                         f"result = r if r['status'] == {int(Status.RETURNED)} else None",
                         "the hand-over")
    note = record["events"][-1]["note"]
    assert "Tran Thi Buoi" in note and "001190001234" in note and "ủy quyền" in note


def test_another_citizens_card_mid_intake_asks(finger: Finger) -> None:
    app = finger.app
    seeded(finger)
    finger.tap("receiveButton")
    finger.tap("procedure_1.001193")
    assert app.call(f"result = route({NHUNG!r})") == "cccd"
    app.call("intake.setField('phone', '0912345678')")
    finger.tap("nextButton")
    assert app.wait_for("result = intake.session.step_name", "checklist") == "checklist"
    # The same card again (on the checklist): the applicant refreshed, nothing asked.
    app.call("services.extras['router'].window_s = 0")  # no merging of repeated reads
    assert app.call(f"result = route({NHUNG!r})") == "cccd"
    assert app.call("result = [intake.session.step_name, app.screen]") == [
        "checklist", "intake"]
    assert app.call("result = intake.pendingCard") == {}

    # Another citizen's card: asked; nothing changes until the clerk answers.
    assert app.call(f"result = route({DUC!r})") == "cccd"
    finger.spot("cardSwitchText")
    assert app.call("result = intake.session.applicant.name") == "Nguyễn Thị Hồng Nhung"
    finger.tap("cardIgnore")
    assert app.wait_for("result = intake.pendingCard", {}) == {}
    assert app.call("result = intake.session.applicant.name") == "Nguyễn Thị Hồng Nhung"

    # Again, and this time it is the applicant after all: switched, the old phone gone.
    app.call(f"route({DUC!r})")
    finger.tap("cardSwitch")
    assert app.wait_for("result = intake.session.applicant.name",
                        "Trần Văn Đức") == "Trần Văn Đức"
    assert app.call("result = [intake.session.applicant.phone, intake.session.step_name]") == [
        "", "checklist"]

    # And a third: a new intake for Nhung; Đức's intake stays a draft.
    app.call(f"route({NHUNG!r})")
    finger.tap("cardNewIntake")
    assert app.wait_for("result = intake.session.applicant.name",
                        "Nguyễn Thị Hồng Nhung") == "Nguyễn Thị Hồng Nhung"
    assert app.call("result = intake.session.procedure_code") == ""
    labels = app.call("result = [d['label'] for d in services.store.load_drafts()]")
    assert any("Trần Văn Đức" in label for label in labels), labels


def test_leaving_an_intake_asks_first_and_keeps_the_draft(finger: Finger,
                                                          xserver: XServer) -> None:
    app = finger.app
    codes = seeded(finger)
    finger.tap("receiveButton")
    finger.tap("procedure_1.001193")
    app.call(f"route({NHUNG!r})")
    finger.tap("homeButton")
    finger.spot("leaveQuestion")
    assert "Nguyễn Thị Hồng Nhung" in app.call("result = app.leaveQuestion")
    finger.tap("leaveStay")
    assert app.wait_for("result = app.leaveQuestion", "") == ""
    assert app.call("result = app.screen") == "intake"
    # A receipt's barcode read mid-intake asks the same way.
    xserver.scan(codes[0], delay_ms=10)
    finger.spot("leaveQuestion")
    assert app.call("result = app.screen") == "intake"
    finger.tap("leaveYes")
    assert app.wait_for("result = app.screen", "detail") == "detail"
    assert app.wait_for("result = win.detail.dossier.get('code')", codes[0]) == codes[0]
    # The intake left is a draft on Home, ready to resume.
    finger.tap("homeButton")
    finger.tap("resumeDraft")
    assert app.wait_for("result = [app.screen, intake.session.applicant.name]",
                        ["intake", "Nguyễn Thị Hồng Nhung"]) == ["intake",
                                                                  "Nguyễn Thị Hồng Nhung"]
