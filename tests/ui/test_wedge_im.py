"""Wedge readers through a real input method with Unikey (Telex) on Xvfb, as on a Vietnamese
desktop: IBus with ibus-unikey, and Fcitx5 with fcitx5-unikey. The app uses Qt's ibus plugin
(QT_IM_MODULE=ibus), the one PySide6 ships; Fcitx5 serves it through its IBus frontend (its
own Qt plugin is built against the system's Qt, which PySide6's Qt cannot load).

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


def im_missing(kind: str) -> str | None:
    reason = missing_tools()
    if reason:
        return reason
    tools = ("ibus-daemon", "ibus") if kind == "ibus" else ("fcitx5",)
    for tool in (*tools, "dbus-daemon"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/system-packages.txt)"
    engine = (Path("/usr/share/ibus/component/unikey.xml") if kind == "ibus"
              else Path("/usr/share/fcitx5/addon/unikey.conf"))
    if not engine.exists():
        return f"{kind}'s unikey engine is not installed (scripts/system-packages.txt)"
    import PySide6

    plugins = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforminputcontexts"
    if not (plugins / PLUGIN).exists():
        return f"this PySide6 has no {PLUGIN}"
    return None


FCITX_PROFILE = """[Groups/0]
Name=Default
Default Layout=us
DefaultIM=unikey

[Groups/0/Items/0]
Name=keyboard-us
Layout=

[Groups/0/Items/1]
Name=unikey
Layout=

[GroupOrder]
0=Default
"""
# Unikey on from the first key, for every field (as a Vietnamese desktop is set up).
FCITX_CONFIG = "[Behavior]\nActiveByDefault=True\nShareInputState=All\n"


class InputMethod:
    """A private session bus and the input method's daemon on ``xserver``, Unikey on."""

    def __init__(self, kind: str, xserver: XServer, home: Path) -> None:
        self.env = {**xserver.env(), "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
                    "XDG_CACHE_HOME": str(home / "cache"), "XDG_RUNTIME_DIR": str(home)}
        os.chmod(home, 0o700)
        self.bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"], env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.bus.stdout is not None
        self.env["DBUS_SESSION_BUS_ADDRESS"] = self.bus.stdout.readline().strip()
        self.log = (home / f"{kind}.log").open("w")
        if kind == "ibus":
            self._start_ibus()
        else:
            self._start_fcitx5(xserver, home)

    def _start_fcitx5(self, xserver: XServer, home: Path) -> None:
        config = home / "config" / "fcitx5"
        config.mkdir(parents=True, exist_ok=True)
        (config / "profile").write_text(FCITX_PROFILE)
        (config / "config").write_text(FCITX_CONFIG)
        self.daemon = subprocess.Popen(
            ["fcitx5", "--disable=wayland,waylandim,classicui,kimpanel,notificationitem,"
             "clipboard,xim,fcitx4frontend"], env=self.env, stdout=self.log, stderr=self.log)
        # Its IBus frontend writes the address file Qt's ibus plugin looks for.
        bus_dir = home / "config" / "ibus" / "bus"
        number = xserver.display.lstrip(":")
        for _ in range(100):
            if bus_dir.exists() and any(f.name.endswith(f"-unix-{number}")
                                        for f in bus_dir.iterdir()):
                break
            time.sleep(0.2)
        else:
            self.stop()
            pytest.skip("fcitx5 did not start its IBus frontend")

    def _start_ibus(self) -> None:
        self.daemon = subprocess.Popen(
            ["ibus-daemon", "--panel=disable", "--replace", "--verbose"], env=self.env,
            stdout=subprocess.DEVNULL, stderr=self.log)
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
        return {**{k: self.env[k] for k in keep if k in self.env}, "QT_IM_MODULE": "ibus"}

    def stop(self) -> None:
        for proc in (getattr(self, "daemon", None), self.bus):
            if proc is None:
                continue
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module", params=["ibus", "fcitx5"])
def im(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
       ) -> Iterator[tuple[XServer, InputMethod]]:
    reason = im_missing(request.param)
    if reason:
        pytest.skip(reason)
    server = XServer()
    method = InputMethod(request.param, server, tmp_path_factory.mktemp(request.param))
    yield server, method
    method.stop()
    server.stop()


def start(im: tuple[XServer, InputMethod], home: Path, gap_ms: int | None) -> AppProcess:
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


def test_clerk_typing_telex_gets_vietnamese(im: tuple[XServer, InputMethod], kiosk_home: Path) -> None:
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
        im: tuple[XServer, InputMethod], kiosk_home: Path) -> None:
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
        probe = ("o = QGuiApplication.focusObject()\n"
                 "result = str(o.property('text')) + str(o.property('preeditText'))")
        window = app.call("result = int(root.winId())")
        im[0].xdotool("windowfocus", "--sync", str(window))
        im[0].xdotool("type", "--delay", "200", "09")
        typed = app.wait_for(probe, "09", timeout=8)
        if typed == "":
            # Known and unexplained (docs/DEVELOPING.md, wedge readers): on a heavily loaded
            # machine, keys typed right after the scan sometimes never reach the app's X
            # connection at all (no raw key is logged). Type again, as the clerk would.
            im[0].xdotool("windowfocus", "--sync", str(window))
            im[0].xdotool("type", "--delay", "200", "09")
            typed = app.wait_for(probe, "09")
        assert typed == "09"
        assert app.call("result = scans") == [CCCD]
    finally:
        app.stop()
