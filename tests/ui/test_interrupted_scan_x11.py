"""A feeder batch cut mid-way (the app killed, as by a power cut) and the draft resumed: the
app on Xvfb, every touch a real X click. The resumed intake opens on the scan step with the
document that was being scanned selected, and says the batch was cut and what to rescan;
the rescan (SANE test backend) takes the notice away."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ui.touch import Finger
from tests.ui.xserver import AppProcess, XServer, missing_tools

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))

CCCD = ("001189012345|012345678|Nguyễn Thị Hồng Nhung|12051989|Nữ|"
        "Thôn Đông, xã Mẫu, huyện Thường Tín, Hà Nội|20042021")


def test_batch_cut_mid_way_is_said_on_resume(kiosk_home: Path) -> None:
    xserver = XServer()
    try:
        # A feeder of seven sheets, a second each: declaration (2) | blank | certificate (2)
        # | blank | power of attorney.
        app = AppProcess(xserver, kiosk_home, {"KIOSK_TEST_FEEDER": "separated:1.0"})
        try:
            finger = Finger(xserver, app)
            app.call("assert app.signIn('1234'); intake.start(); app.go('intake'); "
                     f"intake.chooseProcedure('1.001193'); route({CCCD!r})\n"
                     "intake.setField('phone', '0912345678'); intake.next()\n"
                     "intake.tick(0, ''); intake.tick(1, ''); intake.tick(3, 'original')\n"
                     "intake.next()")
            finger.tap("scanAllButton")
            # The certificate (the second document) has begun, and the draft on disk says
            # so: its pages so far and the batch running.
            finger.wait("d = services.store.load_drafts()\n"
                        "result = d and d[0]['payload']['components'][1]['pages'] and "
                        "d[0]['payload']['scan_batch']",
                        "the draft to hold the second document's first page", 120)
            assert app.call("result = intake.scanning")
        finally:
            app.proc.kill()  # the power cut: no shutdown, no flush
            app.proc.wait(30)
            app.stop()

        app = AppProcess(xserver, kiosk_home,
                         {"KIOSK_TEST_CONFIG": json.dumps({"scanner.source": "flatbed",
                                                           "scanner.resolution": 150})})
        try:
            finger = Finger(xserver, app)
            # What the draft held when the power went (the feeder may have gone one sheet
            # further between the test's look and the kill).
            cut, kept = app.call("p = services.store.load_drafts()[0]['payload']\n"
                                 "c = p['scan_batch']['component']\n"
                                 "result = [c, sum(not x['blank'] for x in "
                                 "p['components'][c]['pages'])]")
            assert cut == 1 and kept >= 1
            app.call("assert app.signIn('1234')")
            finger.tap("resumeDraft")
            state = app.wait_for("result = [app.screen, intake.session.step_name, "
                                 "intake.currentComponent]", ["intake", "scan", cut])
            assert state == ["intake", "scan", cut]
            finger.spot("interruptedBanner")
            text = app.call("result = intake.interrupted")
            assert "bị ngắt giữa chừng" in text and "Giấy chứng sinh" in text, text
            assert f"đã giữ {kept} trang" in text and "Quét lại" in text, text
            # The documents after it in the feeder were never scanned: named too.
            assert "chưa được quét" in text and "Văn bản ủy quyền" in text, text
            finger.tap("rescanButton")
            finger.wait("result = not intake.scanning and intake.session.components[1]"
                        ".kept_pages() and intake.interrupted == ''",
                        "the rescan to take the notice away", 120)
            assert app.wait_for("result = spot('interruptedBanner') is None", True)
        finally:
            app.stop()
    finally:
        xserver.stop()
