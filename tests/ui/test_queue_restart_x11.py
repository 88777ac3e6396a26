"""«Đang phục vụ số …» on the clerk's Home survives a restart: the app on Xvfb, the call a
real X click on «Gọi số tiếp theo», then the app stopped and started again on the same
KIOSK_HOME (the same SQLite file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.touch import Finger
from tests.ui.xserver import AppProcess, XServer, missing_tools

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))

SUB = "result = root.findChild(QObject, 'callNextButton').property('sub')"


def test_serving_number_survives_a_restart(kiosk_home: Path) -> None:
    xserver = XServer()
    try:
        app = AppProcess(xserver, kiosk_home)
        try:
            finger = Finger(xserver, app)
            # A citizen took a number on the citizen screen (its queue service, offline).
            label = app.call("side = [e for e in win.extras if type(e).__name__ == "
                             "'CitizenSide'][0]\nresult = side.queue.take('A')['label']\n"
                             "assert app.signIn('1234')")
            finger.tap("callNextButton")
            assert finger.wait(SUB, "the call") == f"Đang phục vụ số {label}"
        finally:
            app.stop()
        app = AppProcess(xserver, kiosk_home)
        try:
            finger = Finger(xserver, app)
            app.call("assert app.signIn('1234')")
            finger.spot("callNextButton")
            assert finger.wait(SUB, "the number served") == f"Đang phục vụ số {label}"
        finally:
            app.stop()
    finally:
        xserver.stop()
