"""≤12 touches for a 3-document dossier, Home → printed receipt, counted on the real window.

The app runs on a real X server (Xvfb) in its own process (``tests/ui/xharness.py``); every
touch is a real X pointer click sent with xdotool (XTest) at the centre of the item the clerk
would touch, as the harness reports it from QML. The CCCD is read by the (serial) reader,
which is not a touch. The receipt goes to a real CUPS with a cups-pdf queue.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CCCD = ("001189012345|012345678|Nguyễn Thị Hồng Nhung|12051989|Nữ|"
        "Thôn Đông, xã Mẫu, huyện Thường Tín, Hà Nội|20042021")
#: The figure recorded in docs/BENCHMARKS.md; the issue's ceiling is 12.
MAX_TOUCHES = 12


def start_xvfb(size: str = "1366x768") -> tuple[subprocess.Popen[bytes], str]:
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", f"{size}x24",
                             "-nolisten", "tcp"], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    return proc, f":{number}"


class Counter:
    """The app process, and a clerk's finger on its screen."""

    def __init__(self, display: str, env: dict[str, str], log: Path) -> None:
        self.display = display
        self.feeder = "flatbed"
        self.touches: list[str] = []
        self._log = open(log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.ui.xharness"], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True)

    def ask(self, op: str, **args: Any) -> Any:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps({"op": op, **args}, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the app process ended"
        reply = json.loads(line)
        assert reply["ok"], reply.get("error")
        return reply["value"]

    def wait(self, what: str, test: Any, timeout: float = 90.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = test()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}: {self.ask('state')}")

    def idle(self) -> dict[str, Any]:
        return self.wait("the app to be idle",
                         lambda: (lambda s: s if not s["busy"] else None)(self.ask("state")))

    def tap(self, name: str) -> None:
        try:
            spot = self.wait(f"{name} on screen", lambda: (lambda w: w if w and w["on_screen"]
                                                            and w["enabled"] else None)(
                self.ask("where", name=name)), timeout=30)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; {self.ask('where', name=name)}; on screen: "
                                 f"{self.ask('names', prefix=name.split('_')[0])}") from None
        env = {**os.environ, "DISPLAY": self.display}
        subprocess.run(["xdotool", "mousemove", str(spot["x"]), str(spot["y"]),
                        "click", "1"], env=env, check=True, timeout=10)
        self.touches.append(name)
        time.sleep(0.35)  # the press/release animation; QML then acts on the click
        self.idle()

    def close(self) -> None:
        try:
            self.ask("quit")
        except AssertionError:
            pass
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


@pytest.fixture(params=["flatbed", "separated"])
def counter(request: Any, cups: Any, kiosk_home: Path, tmp_path: Path) -> Iterator[Counter]:
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    xvfb, display = start_xvfb()
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "CUPS_SERVER": cups.socket, "KIOSK_HOME": str(kiosk_home),
           "PYTHONPATH": str(ROOT), "KIOSK_X_USAGE": "1.001193:3",
           "KIOSK_X_FEEDER": request.param}
    app = Counter(display, env, tmp_path / "app.log")
    app.feeder = request.param
    try:
        app.wait("the sign-in screen", lambda: app.ask("where", name="pinDots"))
        yield app
    finally:
        app.close()
        xvfb.terminate()
        xvfb.wait(10)
        print((tmp_path / "app.log").read_text(errors="replace")[-3000:])


def test_three_document_dossier_in_twelve_touches(counter: Counter, cups: Any,
                                                  tmp_path: Path) -> None:
    app = counter
    assert app.ask("signin", pin="1234")  # before Home: not part of the count
    app.wait("home", lambda: app.ask("where", name="receiveButton"))

    app.tap("receiveButton")
    app.tap("procedure_1.001193")  # Đăng ký khai sinh: three documents and the ID shown
    assert app.ask("read", text=CCCD) == "cccd"  # the reader, not a touch
    app.idle()
    app.tap("nextButton")  # applicant filled from the card
    state = app.wait("the checklist", lambda: (lambda st: st if st["step"] == "checklist"
                                               else None)(app.ask("state")))
    # The ID card was read at the counter: it is ticked as shown (xuất trình) already.
    assert [c["checked"] for c in state["components"]] == [False, False, True, False]
    app.tap("check_0")
    app.tap("check_1")
    app.tap("kind_3_original")  # "original or certified copy": the touch says which
    app.wait("the ticks", lambda: [c["received"] for c in app.ask("state")["components"]]
             == ["original", "original", "", "original"])
    app.tap("nextButton")
    state = app.wait("the scan step", lambda: (lambda st: st if st["step"] == "scan"
                                               else None)(app.ask("state")))
    assert state["current"] == 0
    def scanned(*indexes: int) -> Any:
        return app.wait("the scan", lambda: (lambda st: st if not st["busy"] and all(
            st["components"][i]["pages"] for i in indexes) else None)(app.ask("state")))

    if app.feeder == "separated":
        # The whole dossier in the feeder, blank sheets between documents: one touch.
        app.tap("scanAllButton")
        state = scanned(0, 1, 3)
    else:
        for scanning, expected_next in ((0, 1), (1, 3), (3, 3)):
            app.tap("scanButton")
            state = scanned(scanning)
            # The next document still to scan is selected and ready by itself.
            assert state["current"] == expected_next, state
    assert all(c["pages"] for c in state["components"] if not c["presented"])
    app.tap("nextButton")
    app.tap("saveButton")
    job = app.wait("the receipt job", lambda: app.ask("state")["job"], timeout=120)

    touches = len(app.touches)
    print(f"touches Home → printed receipt ({app.feeder}): {touches}: {app.touches}")
    assert touches <= (MAX_TOUCHES if app.feeder == "flatbed" else MAX_TOUCHES - 2), app.touches
    assert cups.printed(job["job"]).stat().st_size > 10_000  # cups-pdf wrote the receipt
    # Ghostscript's re-encoding in cups-pdf loses the text layer: read the same form as the
    # app rendered it, through the CLI on the same KIOSK_HOME.
    receipt = tmp_path / "receipt.pdf"
    subprocess.run([sys.executable, "-m", "kiosk", "form", job["code"], "--out", str(receipt)],
                   cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True,
                   capture_output=True, timeout=60)
    text = subprocess.run(["pdftotext", "-layout", str(receipt), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert job["code"] in text
    # The ID card was only shown: "Xuất trình", not "Bản chính 01".
    line = next((ln for ln in text.splitlines() if "Xuất trình" in ln), "")
    assert "tùy thân" in line and " 01" not in line, text
    assert "Bản chính hoặc" not in text  # the kind received, not the catalog's either/or
