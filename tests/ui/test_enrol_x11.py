"""Issue 26 §2 on the counter: the province page's enrolment QR, read by a keyboard-wedge
reader (typed through XTest) on the Settings screen of the running app under Xvfb, enrols
the counter with the real central server on loopback; a revoked counter is told so."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from central import enrolment, fleet, service
from central.blobstore import BlobStore
from central.db import Database
from central.runner import ServerThread
from tests.ui.xserver import AppProcess, XServer, missing_tools

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))
UNIT = "000.00.04.H40"


@pytest.fixture
def central(tmp_path: Path) -> Iterator[tuple[str, Database]]:
    db = Database(str(tmp_path / "central.sqlite3"))
    srv = ServerThread(db, BlobStore(tmp_path / "blobs")).start()
    yield srv.url, db
    srv.stop()
    db.close()


def wait(app: AppProcess, code: str, what: str, timeout: float = 60) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = app.call(code)
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"never: {what}; messages: {app.call('result = messages[-5:]')}")


def test_the_enrolment_qr_read_on_settings_enrols_the_counter(
        xserver: XServer, central: tuple[str, Database], kiosk_home: Path) -> None:
    url, db = central
    created = enrolment.create_code(db, UNIT, "Quầy 3", "tinh")
    payload = enrolment.payload(created["code"], url)
    app = AppProcess(xserver, kiosk_home, {
        "KIOSK_TEST_CONFIG": json.dumps({"barcode.wedge_max_gap_ms": 250}),
        "PYTHON_KEYRING_BACKEND": "kiosk.sync.demo_keyring.DemoFileKeyring"})
    try:
        window = app.call("result = int(root.winId())")
        xserver.xdotool("mousemove", "600", "400")
        xserver.xdotool("windowfocus", "--sync", str(window))
        app.call("assert app.signIn('9999'); app.go('settings')")  # the demo's admin
        assert app.wait_for("result = app.screen", "settings") == "settings"
        assert app.call("result = bool(where('enrolHint'))")
        xserver.scan(payload, delay_ms=10)  # what the wedge reader types
        wait(app, "result = any('Đã đăng ký quầy với máy chủ' in m for m in messages)",
             "the counter to say it is enrolled")
        assert app.call("result = services.config.get('sync.server_url')") == url
        # The counter syncs and reports with its new token.
        app.call("services.sync.poke()")
        device: list[dict] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not device:
            device = [d for d in fleet.devices(db) if d["health"]]
            time.sleep(0.3)
        assert device and device[0]["name"] == "Quầy 3" and device[0]["machine_id"]
        # The code is spent: read again, it is refused in words.
        xserver.scan(payload, delay_ms=10)
        wait(app, "result = any('đã dùng hoặc đã hết hạn' in m for m in messages)",
             "the spent code to be refused")
        # Revoked from the province: the counter's next pass says so.
        service.revoke_device(db, device[0]["id"])
        app.call("services.sync.poke()")
        wait(app, "from kiosk.sync.status import sync_status\n"
                  "result = 'thu hồi' in (sync_status(services.store)['last_error'] or '')",
             "the revocation to be said")
    finally:
        app.stop()
