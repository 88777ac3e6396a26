"""libsane in a supervised process of its own (kiosk.devices.scanner.process_driver).

The SANE ``test`` backend for real, in the scanner process; hangs and crashes are real too:
the process stopped with SIGSTOP (by the test, or by itself in a backend call), a
segmentation fault inside a ``sane_start``, and a backend slowed by its own ``read-delay``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from kiosk.devices.scanner.errors import PaperJam, ScannerNotResponding
from kiosk.devices.scanner.process_driver import ProcessScanDriver
from kiosk.devices.scanner.protocol import CancelToken, ScanEnd, ScanPage, ScanSettings, Source
from kiosk.paths import asset
from tests.process_tree import running, still_running, wait_for

pytest.importorskip("sane")

DEVICE = "test:0"
ADF = ScanSettings(Source.ADF, 75)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def project_sane_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANE_CONFIG_DIR", str(asset("sane")))


@pytest.fixture
def slow_sane(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test backend waiting 200 ms after each buffer it hands over (``read-delay``):
    an A4 page at 75 dpi then takes seconds, with data arriving all along. Given as the
    ``scanner.sane_config_dir`` setting, as on a counter, not through the environment."""
    monkeypatch.delenv("SANE_CONFIG_DIR")
    conf = tmp_path / "sane"
    shutil.copytree(asset("sane"), conf)
    with (conf / "test.conf").open("a") as f:
        f.write("read-delay true\nread-delay-duration 200000\n")
    return str(conf)


def driver(stall: float = 5.0, api: str = "") -> ProcessScanDriver:
    return ProcessScanDriver(stall_seconds=stall, api=api)


def test_a_whole_feeder_batch_through_the_scanner_process() -> None:
    scanner = driver()
    pages: list[ScanPage] = []
    try:
        assert [d.name for d in scanner.list_devices()] == [DEVICE]
        caps = scanner.capabilities(DEVICE)
        outcome = scanner.scan(DEVICE, ADF, on_page=pages.append)
        helper = scanner.pid
    finally:
        scanner.close()
    assert caps.sources == (Source.FLATBED, Source.ADF)
    assert outcome.end is ScanEnd.DONE and outcome.pages == len(pages) == 10
    assert [p.index for p in pages] == list(range(10))
    assert pages[0].image.ndim == 3 and pages[0].dpi == 75
    assert helper is not None and helper != os.getpid()
    assert not still_running({helper}), "close() ends the scanner process"


def test_a_jam_is_the_same_typed_error_with_its_pages() -> None:
    scanner = driver(api="tests.devices.sane_faults:JamAtThirdSheet")
    pages: list[ScanPage] = []
    try:
        with pytest.raises(PaperJam) as info:
            scanner.scan(DEVICE, ADF, on_page=pages.append)
        assert info.value.pages_scanned == len(pages) == 2
        assert "gỡ tờ bị kẹt" in str(info.value)
        # The clerk cleared it: the same process scans on.
        first = scanner.pid
        outcome = scanner.scan(DEVICE, ADF, on_page=pages.append)
        assert outcome.end is ScanEnd.DONE and scanner.pid == first
    finally:
        scanner.close()


def test_a_scanner_process_stopped_mid_batch_is_ended_and_its_pages_kept() -> None:
    scanner = driver(stall=2.0)
    pages: list[ScanPage] = []

    def on_page(page: ScanPage) -> None:
        pages.append(page)
        if len(pages) == 2:  # a backend that stops answering after the second sheet
            os.kill(scanner.pid or 0, signal.SIGSTOP)

    try:
        scanner.list_devices()
        stuck = scanner.pid
        with pytest.raises(ScannerNotResponding) as info:
            scanner.scan(DEVICE, ADF, on_page=on_page)
        error = info.value
        assert error.pages_scanned == len(pages) == 2
        assert error.message == "Máy quét không phản hồi."
        assert "Đã giữ 2 trang" in (error.hint or "") and "bật lại" in (error.hint or "")
        assert "no answer" in error.details["reason"]
        assert stuck is not None and not running(stuck), "the stuck process was killed"
        # The next scan starts a fresh process and reads the whole feeder.
        more: list[ScanPage] = []
        outcome = scanner.scan(DEVICE, ADF, on_page=more.append)
        assert outcome.pages == len(more) == 10
        assert scanner.pid not in (None, stuck)
    finally:
        scanner.close()


def test_a_backend_that_freezes_inside_sane_start() -> None:
    scanner = driver(stall=2.0, api="tests.devices.sane_faults:FreezeAtThirdSheet")
    pages: list[ScanPage] = []
    try:
        with pytest.raises(ScannerNotResponding) as info:
            scanner.scan(DEVICE, ADF, on_page=pages.append)
        assert info.value.pages_scanned == len(pages) == 2
        assert scanner.pid is None
    finally:
        scanner.close()


def test_a_backend_that_crashes_is_handled_the_same_way() -> None:
    scanner = driver(api="tests.devices.sane_faults:CrashAtThirdSheet")
    pages: list[ScanPage] = []
    try:
        with pytest.raises(ScannerNotResponding) as info:
            scanner.scan(DEVICE, ADF, on_page=pages.append)
        error = info.value
        assert error.pages_scanned == len(pages) == 2
        assert "SIGSEGV" in error.details["reason"]
        # A fresh process: its own count of sane_start calls, so it crashes at its third
        # sheet again; the two before it arrive first.
        again: list[ScanPage] = []
        with pytest.raises(ScannerNotResponding):
            scanner.scan(DEVICE, ADF, on_page=again.append)
        assert len(again) == 2
    finally:
        scanner.close()


def test_a_slow_scanner_that_keeps_sending_is_not_a_hang(slow_sane: str) -> None:
    """The watchdog measures silence, not the length of a scan: pages that take longer than
    ``stall_seconds`` but keep arriving are read to the end."""
    scanner = ProcessScanDriver(slow_sane, stall_seconds=1.0)
    pages: list[ScanPage] = []
    progress: list[float] = []
    try:
        outcome = scanner.scan(DEVICE, ScanSettings(Source.FLATBED, 75),
                               on_page=pages.append,
                               on_progress=lambda _i, fraction: progress.append(fraction))
    finally:
        scanner.close()
    assert outcome.end is ScanEnd.DONE and len(pages) == 1
    assert len(progress) >= 5, "progress came all along the page"


def test_a_scanner_stopped_in_the_middle_of_a_slow_page(slow_sane: str) -> None:
    scanner = ProcessScanDriver(slow_sane, stall_seconds=2.0)
    pages: list[ScanPage] = []
    progress: list[tuple[int, float]] = []

    def on_progress(index: int, fraction: float) -> None:
        progress.append((index, fraction))
        if index == 1 and len([p for p in progress if p[0] == 1]) == 2:
            os.kill(scanner.pid or 0, signal.SIGSTOP)  # half-way through the second sheet

    try:
        with pytest.raises(ScannerNotResponding) as info:
            scanner.scan(DEVICE, ADF, on_page=pages.append, on_progress=on_progress)
    finally:
        scanner.close()
    assert info.value.pages_scanned == len(pages) == 1


def test_a_cancel_of_a_stuck_scanner_is_a_cancel_not_an_error() -> None:
    scanner = driver(stall=60.0)  # the cancel, not the watchdog, must end this scan
    cancel = CancelToken()
    pages: list[ScanPage] = []

    def on_page(page: ScanPage) -> None:
        pages.append(page)
        if len(pages) == 1:
            os.kill(scanner.pid or 0, signal.SIGSTOP)
            threading.Timer(0.2, cancel.cancel).start()  # the clerk presses "Dừng"

    try:
        outcome = scanner.scan(DEVICE, ADF, cancel=cancel, on_page=on_page)
        assert outcome.end is ScanEnd.CANCELLED and outcome.pages == 1
        assert scanner.pid is None
    finally:
        scanner.close()


HOLDER = """
import os, signal, sys
from kiosk.devices.scanner.process_driver import ProcessScanDriver
from kiosk.child_executor import ChildExecutor
scanner = ProcessScanDriver()
scanner.list_devices()
pipeline = ChildExecutor("pipeline")
pipeline.submit(os.getpid).result()
if sys.argv[1] == "stopped":
    os.kill(scanner.pid, signal.SIGSTOP)
print(scanner.pid, pipeline.pid, flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize("helper_state", ["idle", "stopped"])
def test_helpers_die_with_a_parent_killed_with_sigkill(helper_state: str) -> None:
    """No cleanup code runs in a parent killed with SIGKILL: the kernel ends its helpers
    (PR_SET_PDEATHSIG), a stopped one too."""
    parent = subprocess.Popen([sys.executable, "-c", HOLDER, helper_state], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        assert parent.stdout is not None
        helpers = {int(pid) for pid in parent.stdout.readline().split()}
        assert len(helpers) == 2 and all(running(pid) for pid in helpers)
        parent.kill()
        parent.wait()
        assert still_running(helpers, pgrp=parent.pid) == []
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_a_helper_forked_for_a_thread_that_ends_stays_alive() -> None:
    """Linux sends the death signal when the forking *thread* ends: helpers are forked on
    one long-lived thread, so a scan lane or a pool thread may come and go."""
    from kiosk.child_executor import ChildExecutor

    pipeline = ChildExecutor("pipeline")
    try:
        started = threading.Thread(target=lambda: pipeline.submit(os.getpid).result())
        started.start()
        started.join()
        helper = pipeline.pid
        assert helper is not None
        # The thread that asked for it is gone; the helper still answers.
        assert pipeline.submit(os.getpid).result() == helper
    finally:
        pipeline.shutdown()
    wait_for(lambda: not running(helper or 0), 10, "the helper to end after shutdown")


def test_no_multiprocessing_resource_tracker_is_started() -> None:
    from kiosk.child_executor import ChildExecutor
    from tests.process_tree import descendants

    pipeline = ChildExecutor("pipeline")
    scanner = driver()
    try:
        pipeline.submit(os.getpid).result()
        scanner.list_devices()
        found: Any = [p.cmdline for p in descendants(os.getpid())]
        assert not any("resource_tracker" in c for c in found), found
        assert sum("kiosk.child_process" in c for c in found) >= 2, found
    finally:
        pipeline.shutdown()
        scanner.close()


def test_a_cancel_sent_right_behind_the_scan_request_cancels_it() -> None:
    """The cancel may reach the scanner process before it has begun the scan."""
    scanner = driver()
    cancel = CancelToken()
    cancel.cancel()  # already pressed: scan() sends the request, then the cancel at once
    pages: list[ScanPage] = []
    try:
        scanner.list_devices()
        helper = scanner.pid
        outcome = scanner.scan(DEVICE, ADF, cancel=cancel, on_page=pages.append)
        assert outcome.end is ScanEnd.CANCELLED and pages == []
        assert scanner.pid == helper, "it stopped by itself: nothing had to be killed"
        assert scanner.scan(DEVICE, ScanSettings(Source.FLATBED, 75)).pages == 1
    finally:
        scanner.close()
