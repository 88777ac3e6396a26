"""Nothing the app started outlives it, whatever ends it; a scanner that hangs is ended.

The real app on a private Xvfb, real processes read from /proc. ``kiosk run`` itself for
the ways a counter app ends (SIGTERM from a session, Ctrl-C in a terminal, the window's close
button, SIGKILL); the touch harness (tests/ui/xharness.py, real X clicks) for a scan in
progress whose scanner process stops answering.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.paths import asset
from tests.process_tree import Proc, descendants, running, still_running, wait_for
from tests.ui.xcounter import ROOT, Counter, close_window, start_xvfb

CCCD = ("001189012345|012345678|Nguyễn Thị Hồng Nhung|12051989|Nữ|"
        "Thôn Đông, xã Mẫu, huyện Thường Tín, Hà Nội|20042021")


def helpers(pid: int, kind: str = "kiosk.child_process") -> list[Proc]:
    return [p for p in descendants(pid) if kind in p.cmdline]


@pytest.fixture
def display() -> Iterator[str]:
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    xvfb, name = start_xvfb()
    try:
        yield name
    finally:
        xvfb.terminate()
        xvfb.wait(10)


@pytest.mark.parametrize("end", ["sigterm", "sigint", "close_button", "sigkill"])
def test_nothing_outlives_kiosk_run(end: str, display: str, kiosk_home: Path) -> None:
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "SANE_CONFIG_DIR": str(asset("sane"))}
    log = kiosk_home / "app.log"
    with log.open("wb") as err:
        # Its own process group, as a terminal gives it: what it starts joins that group.
        app = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--demo"], cwd=ROOT,
                               env=env, stdout=subprocess.DEVNULL, stderr=err,
                               start_new_session=True)
    try:
        # The page pipeline's process starts after the first frame; signing in (the PIN on
        # the keyboard) shows home, whose device check starts the scanner's process.
        wait_for(lambda: helpers(app.pid, "kiosk.child_executor"), 90, "the pipeline helper")
        subprocess.run(["xdotool", "key", "--delay", "60", "1", "2", "3", "4", "Return"],
                       env=env, check=True, timeout=30)
        wait_for(lambda: helpers(app.pid, "sane_worker"), 60, "the scanner helper")
        started = {p.pid for p in descendants(app.pid)}
        assert len(helpers(app.pid)) == 2, descendants(app.pid)
        assert not [p for p in descendants(app.pid) if "resource_tracker" in p.cmdline]
        if end == "sigterm":
            app.send_signal(signal.SIGTERM)
        elif end == "sigint":
            app.send_signal(signal.SIGINT)
        elif end == "close_button":
            assert close_window(display, app.pid) >= 1
        else:
            app.kill()
        code = app.wait(60)
        left = still_running(started, pgrp=app.pid, timeout=10)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    assert left == [], left
    text = log.read_text(errors="replace")
    if end == "sigkill":
        assert code == -signal.SIGKILL
    else:
        # An orderly close: the signal was heard and the window closed normally; then it
        # ends by that signal, so the shell that ran it knows it was interrupted.
        assert code == {"sigterm": -signal.SIGTERM, "sigint": -signal.SIGINT,
                        "close_button": 0}[end], text[-3000:]
        assert "Traceback" not in text, text[-3000:]
        if end != "close_button":
            assert f"SIG{end[3:].upper()}: closing the counter app" in text


@pytest.fixture
def slow_scanner_counter(display: str, kiosk_home: Path, tmp_path: Path) -> Iterator[Counter]:
    """The counter with the SANE test backend slowed by its own ``read-delay`` (a page of the
    feeder takes seconds, data arriving all along) and a 3 s watchdog."""
    conf = tmp_path / "sane"
    shutil.copytree(asset("sane"), conf)
    with (conf / "test.conf").open("a") as f:
        f.write("read-delay true\nread-delay-duration 200000\n")
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "KIOSK_HOME": str(kiosk_home), "PYTHONPATH": str(ROOT), "SANE_CONFIG_DIR": str(conf),
           "KIOSK_X_USAGE": "1.001193:3",  # used most: first in the list, on screen
           "KIOSK_X_CONFIG": json.dumps({"scanner.source": "adf", "scanner.resolution": 75,
                                         "scanner.stall_seconds": 3})}
    app = Counter(display, env, tmp_path / "app.log")
    try:
        app.wait("the sign-in screen", lambda: app.ask("where", name="pinDots"))
        yield app
    finally:
        if app.proc.poll() is None:
            app.close()
        print((tmp_path / "app.log").read_text(errors="replace")[-3000:])


@pytest.mark.parametrize("end", ["close_while_stuck", "sigkill_mid_scan"])
def test_a_scanner_that_stops_answering_mid_batch(end: str, slow_scanner_counter: Counter,
                                                  tmp_path: Path) -> None:
    app = slow_scanner_counter
    shots = Path(os.environ.get("KIOSK_TEST_SHOTS", tmp_path))
    assert app.ask("signin", pin="1234")
    app.tap("receiveButton")
    app.tap("procedure_1.001193")
    assert app.ask("read", text=CCCD) == "cccd"
    app.idle()
    app.tap("nextButton")
    app.wait("the checklist", lambda: app.ask("state")["step"] == "checklist")
    app.tap("check_0")
    app.tap("check_1")  # both papers the procedure requires
    app.tap("nextButton")
    app.wait("the scan step", lambda: app.ask("state")["step"] == "scan")

    app.tap("scanButton", settle=False)
    pages = lambda: app.ask("state")["components"][0]["pages"]  # noqa: E731
    wait_for(pages, 120, "the first sheet on screen")
    (stuck,) = helpers(app.proc.pid, "sane_worker")
    os.kill(stuck.pid, signal.SIGSTOP)  # the scanner stops answering mid-batch
    kept = pages()
    state = app.wait("the scan to end", lambda: (lambda st: st if not st["busy"] else None)(
        app.ask("state")), timeout=60)
    assert "Máy quét không phản hồi" in state["scan_status"], state
    assert f"Đã giữ {kept} trang" in state["scan_status"], state
    assert any("Máy quét không phản hồi" in m for m in state["messages"]), state
    assert state["components"][0]["pages"] == kept, "the pages read before the stall stay"
    assert not running(stuck.pid), "the stuck scanner process was ended"
    assert app.ask("grab", path=str(shots / "scanner-not-responding.png"))

    # The clerk switches the scanner off and on and taps «Quét»: a fresh process scans on.
    app.tap("scanButton", settle=False)
    wait_for(lambda: pages() > kept, 120, "a sheet from the next scan")
    (fresh,) = helpers(app.proc.pid, "sane_worker")
    assert fresh.pid != stuck.pid
    started = {p.pid for p in descendants(app.proc.pid)}
    assert len(helpers(app.proc.pid)) == 2
    if end == "close_while_stuck":
        # The scanner freezes again and the clerk closes the app: the close ends the stuck
        # scan (a cancel, then a kill) instead of waiting for it, and exits normally.
        os.kill(fresh.pid, signal.SIGSTOP)
        app.ask("quit")
        assert app.proc.wait(60) == 0
        log = (tmp_path / "app.log").read_text(errors="replace")
        assert "Traceback" not in log, log[-3000:]
    else:  # a kill -9 of the app in the middle of that scan
        app.proc.kill()
        app.proc.wait()
    assert still_running(started, timeout=10) == []


def test_scan_cli_with_a_scanner_that_stops_answering(kiosk_home: Path, tmp_path: Path) -> Any:
    """``kiosk scan`` uses the same supervised process: the pages read before the stall are
    written, the message says what happened, nothing is left running."""
    conf = tmp_path / "sane"
    shutil.copytree(asset("sane"), conf)
    with (conf / "test.conf").open("a") as f:
        f.write("read-delay true\nread-delay-duration 200000\n")
    env = {**os.environ, "SANE_CONFIG_DIR": str(conf), "PYTHONPATH": str(ROOT)}
    kiosk = [sys.executable, "-m", "kiosk"]
    subprocess.run([*kiosk, "config", "set", "scanner.stall_seconds", "3"], env=env,
                   check=True, capture_output=True, timeout=60)
    out = tmp_path / "partial.pdf"
    cli = subprocess.Popen([*kiosk, "scan", "--source", "adf", "--resolution", "75",
                            "--out", str(out)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert cli.stderr is not None
        seen = []
        for line in cli.stderr:  # "Đang quét trang 2…": the first sheet has arrived
            seen.append(line)
            if "trang 2" in line:
                break
        (stuck,) = helpers(cli.pid, "sane_worker")
        os.kill(stuck.pid, signal.SIGSTOP)
        stdout, rest = cli.communicate(timeout=120)
        assert stdout == "", "no result on stdout, and nothing from the helpers"
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    stderr = "".join(seen) + rest
    assert cli.returncode not in (0, 70), stderr
    assert "Máy quét không phản hồi" in stderr and str(out) in stderr, stderr
    import pikepdf

    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) >= 1
    assert still_running({stuck.pid}, pgrp=cli.pid, timeout=10) == []
