"""Two screens, real X input: the clerk's window on X screen 0, the citizen's on X screen 1.

The app runs under Xvfb with two screens (``-screen 0 1366x768 -screen 1 1280x800``; Qt's xcb
reports both as QGuiApplication.screens()) in its own process (tests/ui/citizen_xapp.py);
every tap here is an X pointer event from xdotool, on the screen it belongs to. Checked
afterwards in the real SQLite file: the confirmation on the dossier, the ratings with their
outbox operations, the ticket's times in the report; the ticket went through CUPS.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import configure

ROOT = Path(__file__).resolve().parents[2]
SHOTS = os.environ.get("KIOSK_CITIZEN_SHOTS")  # set to a folder to refresh docs/screenshots

pytestmark = pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("xdotool")),
                                reason="needs Xvfb and xdotool")


@pytest.fixture
def xvfb() -> Iterator[str]:
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1366x768x24", "-screen", "1",
         "1280x800x24", "-nolisten", "tcp"], pass_fds=(write,),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    assert number, "Xvfb did not start"
    yield f":{number}"
    proc.terminate()
    proc.wait(10)


class XApp:
    def __init__(self, display: str, home: Path, cups_socket: str, tmp: Path,
                 citizen: bool = False) -> None:
        self.display = display
        self.state_path = tmp / "state.json"
        self.log = (tmp / "app.log").open("w")
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
               "KIOSK_HOME": str(home), "CUPS_SERVER": cups_socket,
               "PYTHONPATH": str(ROOT), "QT_QUICK_BACKEND": "software"}
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "ui" / "citizen_xapp.py"),
             str(self.state_path), *(["--citizen"] if citizen else [])],
            stdin=subprocess.PIPE, stdout=self.log, stderr=self.log, env=env, text=True,
            cwd=ROOT)

    def state(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.state_path.read_text()))
        except (OSError, ValueError):
            return {}

    def wait(self, what: Callable[[dict[str, Any]], Any], timeout: float = 30.0) -> dict[str, Any]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            assert self.proc.poll() is None, self.logs()
            state = self.state()
            try:
                if state and what(state):
                    return state
            except (KeyError, TypeError):
                pass
            time.sleep(0.2)
        raise AssertionError(f"timed out; last state: {self.state()}\n{self.logs()}")

    def logs(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()[-4000:]

    def send(self, **cmd: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def xdo(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": self.display},
                       check=True, timeout=20)

    def tap(self, window: str, name: str) -> None:
        """A real X click in the centre of the named item, on that window's X screen."""
        state = self.wait(lambda s: name in s[window] and s[window][name]["enabled"])
        item = state[window][name]
        screen = state[f"{window}_screen"]
        time.sleep(0.3)  # the item just appeared: let its layout settle, like a person would
        self.xdo("mousemove", "--screen", str(screen), str(item["x"]), str(item["y"]),
                 "sleep", "0.2", "mousedown", "1", "sleep", "0.08", "mouseup", "1")

    def tap_until(self, window: str, name: str, what: Callable[[dict[str, Any]], Any]
                  ) -> dict[str, Any]:
        """Tap, and tap again if the screen did not react (as a person would), at most 3×."""
        for _attempt in range(3):
            self.tap(window, name)
            try:
                return self.wait(what, timeout=6)
            except AssertionError:
                continue
        return self.wait(what, timeout=1)

    def type(self, window: str, name: str, text: str) -> None:
        """Tap a text field, then type like a person (slower than a wedge reader's burst)."""
        self.tap(window, name)
        subprocess.run(["xdotool", "type", "--delay", "120", text],
                       env={**os.environ, "DISPLAY": self.display}, check=True, timeout=60)

    def shot(self, window: str, name: str, tmp: Path) -> None:
        path = Path(SHOTS) / name if SHOTS else tmp / name
        self.send(cmd="shot", window=window, path=str(path))
        end = time.monotonic() + 10
        while not path.exists() and time.monotonic() < end:
            time.sleep(0.1)
        assert path.exists()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.send(cmd="quit")
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


@pytest.fixture
def xapp(xvfb: str, kiosk_home: Path, cups: Any, tmp_path: Path) -> Iterator[XApp]:
    config = configure()
    config.set("printer.name", "KioskPDF")
    config.set("ui.citizen_screen", "auto")
    config.set("citizen.idle_seconds", 300)
    config.set("citizen.thanks_seconds", 3)
    config.save()
    app = XApp(xvfb, kiosk_home, cups.socket, tmp_path)
    try:
        yield app
    finally:
        app.stop()


def test_check_before_save_rating_after_return_and_a_ticket_called(
        xapp: XApp, cups: Any, tmp_path: Path, kiosk_home: Path) -> None:
    first = xapp.wait(lambda s: s["citizen_screen"] is not None and s["screen"] == "home")
    # Qt's xcb sees both X screens; the clerk's window is on one, the citizen's on the other.
    assert len(first["screens"]) == 2
    assert {first["clerk_screen"], first["citizen_screen"]} == {0, 1}
    # The clerk's QML cannot reach the citizen model (so it cannot give a rating).
    assert first["clerk_context_has_citizen"] is False
    # The board: typed without diacritics on the citizen's screen.
    for key in ["K", "H", "A", "I", "space", "S", "I", "N", "H"]:
        xapp.tap("citizen", f"key_{key}")
    state = xapp.wait(lambda s: s["query"] == "KHAI SINH")
    assert not state["keyboard_on_clerk"]  # the citizen's keys never open the clerk's keyboard
    xapp.tap("citizen", "board_1.001193")
    state = xapp.wait(lambda s: s["mode"] == "procedure" and "procedureQr" in s["citizen"])
    assert state["citizen"]["detailName"]["text"] == "Đăng ký khai sinh"
    xapp.shot("citizen", "citizen-1-board.png", tmp_path)

    # --- check before save --------------------------------------------------------------
    xapp.send(cmd="intake")
    state = xapp.wait(lambda s: s["mode"] == "check" and s["step"] == "review", timeout=180)
    assert state["citizen"]["checkName"]["text"] == "Phạm Quốc Việt"
    assert state["citizen"]["checkId"]["text"] == "••••••••7788"  # masked but the last 4
    xapp.shot("citizen", "citizen-2-check.png", tmp_path)
    # The clerk presses save first (in the bottom bar, in sight without scrolling): refused
    # until the citizen confirms; nothing is lost, and the clerk is told to ask.
    state = xapp.tap_until("clerk", "saveButton", lambda s: "Mời công dân kiểm tra"
                           in s["clerk"]["toastText"]["text"])
    assert state["saved"] == "" and state["step"] == "review"
    xapp.tap_until("citizen", "confirmButton", lambda s: s["confirmed"] and "đã xác nhận"
                   in s["clerk"]["citizenConfirmState"]["text"])
    # Answered: the message leaves with its cause.
    state = xapp.wait(lambda s: "toastText" not in s["clerk"])
    assert state["toast_dismissed_by"] == "cause"
    xapp.tap("clerk", "saveButton")
    state = xapp.wait(lambda s: s["saved"] and s["mode"] == "rating")
    code = state["saved"]
    xapp.shot("citizen", "citizen-3-rating.png", tmp_path)
    xapp.tap_until("citizen", "rate3", lambda s: s["mode"] == "thanks")

    # --- a rating after the return: "không hài lòng" with a reason -------------------------
    xapp.send(cmd="return", code=code)
    xapp.wait(lambda s: s["can_return"] and "handOverButton" in s["clerk"])
    xapp.tap("clerk", "unscannedReason0")  # no result digitised (issue 24): a reason
    xapp.tap_until("clerk", "handOverButton", lambda s: s["returned"] and s["mode"] == "rating")
    xapp.tap_until("citizen", "rate1", lambda s: s["reason_needed"])
    xapp.shot("citizen", "citizen-4-reason.png", tmp_path)
    # A wrong tap is undone: «Quay lại» brings the three answers back.
    xapp.tap_until("citizen", "reasonBack", lambda s: not s["reason_needed"]
                   and "rate2" in s["citizen"])
    xapp.tap_until("citizen", "rate1", lambda s: s["reason_needed"])
    state = xapp.tap_until("citizen", "reason_time", lambda s: s["mode"] == "thanks")
    # The thank-you offers a number at once, and gives the board back after a few seconds.
    assert "thanksTicket_A" in state["citizen"] or "thanksTicket_A" in xapp.wait(
        lambda s: "thanksTicket_A" in s["citizen"] or s["mode"] == "board")["citizen"]
    xapp.shot("citizen", "citizen-9-thanks.png", tmp_path)
    xapp.wait(lambda s: s["mode"] == "board" and "takeTicket_A" in s["citizen"])

    # --- a ticket taken on the citizen screen and called from the clerk's Home -------------
    xapp.tap("citizen", "takeTicket_A")  # once: a second tap is a second ticket
    state = xapp.wait(lambda s: s["mode"] == "ticket" and s["ticket"].get("print"))
    ticket = state["ticket"]
    assert ticket["label"] == "A1-01" and ticket["ahead"] == 0  # offline: counter-prefixed
    xapp.shot("citizen", "citizen-5-ticket.png", tmp_path)
    printed = cups.printed(ticket["print"]["job"])
    text = subprocess.run(["pdftotext", str(printed), "-"], capture_output=True, text=True,
                          check=True).stdout
    # cups-pdf re-writes the PDF through Ghostscript, which drops the Vietnamese text map;
    # the number itself is plain ASCII (the ticket's own text is checked in tests/forms).
    assert "A1-01" in text
    assert ticket["print"]["media"].startswith("Custom.80x")
    xapp.send(cmd="home")
    xapp.tap("clerk", "callNextButton")
    state = xapp.wait(lambda s: s["mode"] == "called")
    assert state["called"]["label"] == "A1-01" and state["called"]["counter"] == 1
    assert state["citizen"]["calledLabel"]["text"] == "A1-01"
    assert state["chime_attempts"] >= 1 and state["chime_status"]  # no audio device here
    xapp.shot("citizen", "citizen-6-called.png", tmp_path)
    xapp.shot("clerk", "citizen-7-clerk-home-queue.png", tmp_path)
    assert "queue call chime: play attempted" in xapp.logs()
    xapp.stop()

    # --- what was stored ----------------------------------------------------------------
    from kiosk.citizen.ratings_report import period_blocks
    from kiosk.clock import now
    from kiosk.storage import Store

    with Store(orphan_grace_seconds=None) as store:
        record = store.get_dossier(code)
        assert record["citizen_confirmation"]["shown"]["idNumber"] == "••••••••7788"
        outbox_kinds = store.read(lambda db: [r[0] for r in db.execute(
            "SELECT kind FROM outbox WHERE dossier_id = ? ORDER BY id",
            (record["id"],)).fetchall()])
        assert outbox_kinds.count("citizen.rating") == 2
        today = now().date()
        blocks = period_blocks(store, today, today)
    sat = blocks["satisfaction"]
    assert (sat["ratings"], sat["very_satisfied"], sat["unsatisfied"]) == (2, 1, 1)
    assert sat["reasons"]["time"] == 1
    assert sat["by_clerk"][0]["clerk"] == sat["by_clerk"][0]["clerk"] and sat["by_procedure"]
    assert blocks["queue"]["tickets"] == 1 and blocks["queue"]["called"] == 1
    assert blocks["queue"]["median_wait_minutes"] is not None
    assert date.fromisoformat(str(today))


def test_self_service_status_by_receipt_scan(xvfb: str, kiosk_home: Path, cups: Any,
                                             tmp_path: Path) -> None:
    """``kiosk run --citizen``: a receipt's barcode read by a keyboard-wedge reader (a burst
    of X key events ending in Enter) shows that dossier's status, due time and what to
    bring, with only the name's initials."""
    from kiosk.storage import ApplicantInput, DossierInput, Store

    config = configure()
    config.save()
    with Store(orphan_grace_seconds=None) as store:
        saved = store.save_dossier(DossierInput("2.000815", ApplicantInput(
            "Phạm Quốc Việt", id_number="036085007788", phone="0868123456",
            address="Thôn Nam, xã Mẫu")), actor="clerk1")
        store.change_status(saved.code, 4, "central")
        store.change_status(saved.code, 9, "central", "Đã ký kết quả")
    app = XApp(xvfb, kiosk_home, cups.socket, tmp_path, citizen=True)
    try:
        app.wait(lambda s: s["mode"] == "board" and "key_A" in s["citizen"])
        window = subprocess.run(["xdotool", "search", "--name", "công dân"], text=True,
                                capture_output=True, env={**os.environ, "DISPLAY": xvfb},
                                check=True).stdout.split()[0]
        app.xdo("windowfocus", "--sync", window)  # no window manager: focus it directly
        # The reader's burst: Shift for the capitals, then Return, like a HID scanner.
        names = {".": "period", "-": "minus"}
        app.xdo("key", "--delay", "4", *[names.get(c, c) for c in saved.code], "Return")
        state = app.wait(lambda s: s["mode"] == "status")
        assert state["status"]["code"] == saved.code
        assert state["status"]["status"] == 9 and state["status"]["initials"] == "P. Q. V."
        assert state["status"]["bring"]
        shown = " ".join(state["all_text"])
        for private in ("Phạm Quốc Việt", "036085007788", "0868123456", "Thôn Nam"):
            assert private not in shown
        assert saved.code in shown and state["status"]["due"] in shown
        app.shot("citizen", "citizen-8-status.png", tmp_path)
    finally:
        app.stop()


@pytest.mark.skipif(shutil.which("socat") is None, reason="needs socat (a serial reader)")
def test_self_service_status_by_a_receipt_read_on_a_serial_reader(
        xvfb: str, kiosk_home: Path, cups: Any, tmp_path: Path) -> None:
    """The self-service screen listens to the configured serial reader too (a virtual COM
    reader, here a socat pty pair): the receipt's code shows that dossier's status."""
    from kiosk.storage import ApplicantInput, DossierInput, Store
    from tests.devices.socat_reader import SerialReader

    reader = SerialReader(tmp_path)
    reader.plug()
    config = configure()
    config.set("barcode.serial_port", str(reader.port))
    config.save()
    with Store(orphan_grace_seconds=None) as store:
        saved = store.save_dossier(DossierInput("2.000815", ApplicantInput(
            "Phạm Quốc Việt", id_number="036085007788")), actor="clerk1")
    app = XApp(xvfb, kiosk_home, cups.socket, tmp_path, citizen=True)
    try:
        app.wait(lambda s: s["mode"] == "board" and any(
            r["label"] == "Đầu đọc (cổng COM)" and r["ok"] for r in s["readers"]))
        reader.send(saved.code.encode() + b"\r\n")
        state = app.wait(lambda s: s["mode"] == "status")
        assert state["status"]["code"] == saved.code and state["status"]["initials"] == "P. Q. V."
    finally:
        app.stop()
        reader.unplug()
