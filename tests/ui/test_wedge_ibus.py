"""Wedge readers through a real input method: IBus with the Unikey engine (Telex) on Xvfb, the
app on Qt's ibus plugin (QT_IM_MODULE=ibus), as on a Vietnamese desktop.

With the input method on and a text field focused, Qt gives every key to IBus first; the app
sees only what Telex composed (pre-edit, then commits). A scan must still arrive whole and
untransformed and leave the field empty; a clerk typing Telex must still get Vietnamese."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.test_wedge_x11 import CCCD, LOADED_MACHINE_GAP_MS
from tests.ui.xserver import AppProcess, XServer, missing_tools

PLUGIN = "libibusplatforminputcontextplugin.so"


def ibus_missing() -> str | None:
    reason = missing_tools()
    if reason:
        return reason
    for tool in ("ibus-daemon", "ibus", "dbus-daemon"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/system-packages.txt)"
    if not Path("/usr/share/ibus/component/unikey.xml").exists():
        return "ibus-unikey is not installed (scripts/system-packages.txt)"
    import PySide6

    plugins = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforminputcontexts"
    if not (plugins / PLUGIN).exists():
        return f"this PySide6 has no {PLUGIN}"
    return None


pytestmark = pytest.mark.skipif(ibus_missing() is not None, reason=str(ibus_missing()))


class IBus:
    """A private session bus and ibus-daemon on ``xserver``, the Unikey engine on."""

    def __init__(self, xserver: XServer, home: Path) -> None:
        self.env = {**xserver.env(), "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
                    "XDG_CACHE_HOME": str(home / "cache"), "XDG_RUNTIME_DIR": str(home)}
        os.chmod(home, 0o700)
        self.bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"], env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.bus.stdout is not None
        self.env["DBUS_SESSION_BUS_ADDRESS"] = self.bus.stdout.readline().strip()
        self.daemon = subprocess.Popen(
            ["ibus-daemon", "--panel=disable", "--replace", "--verbose"], env=self.env,
            stdout=subprocess.DEVNULL, stderr=(home / "ibus.log").open("w"))
        address = ""
        for _ in range(100):
            out = subprocess.run(["ibus", "address"], env=self.env, capture_output=True,
                                 text=True, timeout=10)
            address = out.stdout.strip()
            if out.returncode == 0 and address and "(null)" not in address:
                break
            time.sleep(0.2)
        self.env["IBUS_ADDRESS"] = address
        for _ in range(50):
            subprocess.run(["ibus", "engine", "Unikey"], env=self.env, capture_output=True,
                           timeout=10)
            now = subprocess.run(["ibus", "engine"], env=self.env, capture_output=True,
                                 text=True, timeout=10).stdout.strip()
            if now == "Unikey":
                break
            time.sleep(0.2)
        else:
            self.stop()
            pytest.skip("ibus-daemon did not take the Unikey engine")

    def app_env(self) -> dict[str, str]:
        keep = ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR",
                "DBUS_SESSION_BUS_ADDRESS", "IBUS_ADDRESS")
        return {**{k: self.env[k] for k in keep}, "QT_IM_MODULE": "ibus"}

    def stop(self) -> None:
        for proc in (self.daemon, self.bus):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def im(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[XServer, IBus]]:
    server = XServer()
    ibus = IBus(server, tmp_path_factory.mktemp("ibus"))
    yield server, ibus
    ibus.stop()
    server.stop()


def start(im: tuple[XServer, IBus], home: Path, gap_ms: int | None) -> AppProcess:
    xserver, ibus = im
    config = {"barcode.wedge_max_gap_ms": gap_ms} if gap_ms else {}
    proc = AppProcess(xserver, home, {**ibus.app_env(), "KIOSK_TEST_LOG": "DEBUG",
                                      "KIOSK_TEST_CONFIG": json.dumps(config)})
    window = proc.call("result = int(root.winId())")
    xserver.xdotool("mousemove", "600", "400")
    xserver.xdotool("windowfocus", "--sync", str(window))
    assert proc.call("from kiosk.ui.qt import QGuiApplication\n"
                     "result = QGuiApplication.platformName()") == "xcb"
    return proc


def applicant_step(app: AppProcess, field: str) -> None:
    app.call("assert app.signIn('1234'); intake.start(); app.go('intake'); "
             "intake.chooseProcedure('1.001193')")
    assert app.wait_for(f"result = focus({field!r})", True)


def test_clerk_typing_telex_gets_vietnamese(im: tuple[XServer, IBus], kiosk_home: Path) -> None:
    app = start(im, kiosk_home, None)
    try:
        applicant_step(app, "fieldNameInput")
        im[0].xdotool("type", "--delay", "200", "Nguyeenx Thij Hoaf ")
        # Unikey places the tone the classic way: «Hòa».
        assert app.wait_for("result = focused_text()", "Nguyễn Thị Hòa ") == "Nguyễn Thị Hòa "
        assert app.call("result = scans") == []
    finally:
        app.stop()


def test_scan_through_the_input_method_is_whole_and_leaves_the_field_empty(
        im: tuple[XServer, IBus], kiosk_home: Path) -> None:
    app = start(im, kiosk_home, LOADED_MACHINE_GAP_MS)
    try:
        applicant_step(app, "fieldPhoneInput")
        im[0].scan(CCCD, delay_ms=10)
        assert app.wait_for("result = intake.session.applicant.name",
                            "Nguyen Thi Hong Nhung") == "Nguyen Thi Hong Nhung"
        assert app.call("result = scans") == [CCCD]
        # Nothing of the scan in the field, neither committed nor left in pre-edit.
        time.sleep(0.5)
        assert app.call("result = focused_text()") == ""
        assert app.call("result = str(QGuiApplication.focusObject()"
                        ".property('preeditText') or '')") == ""
        # And the clerk types on through the input method afterwards (Unikey holds digits in
        # its pre-edit until the word ends).
        window = app.call("result = int(root.winId())")
        im[0].xdotool("windowfocus", "--sync", str(window))
        im[0].xdotool("type", "--delay", "200", "09")
        assert app.wait_for("o = QGuiApplication.focusObject()\n"
                            "result = str(o.property('text')) + str(o.property('preeditText'))",
                            "09") == "09"
        assert app.call("result = scans") == [CCCD]
    finally:
        app.stop()
