"""The backend's reader thread has ended before the read that reaches EOF.

libsane's test backend (like many real ones, through sanei_thread) cancels its reader thread
asynchronously in the EOF ``sane_read``; a reader cancelled while it is still ending can
leave a malloc arena locked and hang a later scan (kiosk.devices.scanner.sane_device).
"""

from __future__ import annotations

import threading
import time

import pytest

from kiosk.devices.scanner import sane_device
from kiosk.devices.scanner.sane_device import SaneApi, _let_reader_exit, _thread_ids
from kiosk.paths import asset

pytest.importorskip("sane")


def test_the_wait_returns_once_the_thread_is_gone() -> None:
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    tid = str(worker.native_id)
    assert tid in _thread_ids()
    threading.Timer(0.05, release.set).start()
    _let_reader_exit({tid})
    assert tid not in _thread_ids()
    worker.join()


def test_the_wait_gives_up_on_a_thread_that_stays() -> None:
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        start = time.monotonic()
        _let_reader_exit({str(worker.native_id)})
        assert time.monotonic() - start >= sane_device.READER_EXIT_WAIT_S * 0.9
    finally:
        release.set()
        worker.join()


def test_each_page_of_the_test_backend_ends_its_reader_before_eof(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Three ADF pages: start makes a reader thread; by the last line's callback it is gone."""
    monkeypatch.setenv("SANE_CONFIG_DIR", str(asset("sane")))
    seen_at_last_line: list[set[str]] = []
    real_wait = sane_device._let_reader_exit

    def watched(readers: set[str], or_blocked_in_pipe_write: bool = False) -> None:
        real_wait(readers, or_blocked_in_pipe_write)
        if not or_blocked_in_pipe_write:  # the last line's wait, not the cancel's
            seen_at_last_line.append(readers & _thread_ids())

    monkeypatch.setattr(sane_device, "_let_reader_exit", watched)
    api = SaneApi()
    try:
        handle = api.open("test:0")
        handle.set("source", "Automatic Document Feeder")
        handle.set("resolution", 50)
        for _ in range(3):
            handle.start()
            assert handle._reader_threads, "the test backend reads in a thread of its own"
            page = handle.snap()
            assert page.shape[0] > 0
        handle.cancel()
        handle.close()
    finally:
        api.exit()
    assert seen_at_last_line == [set(), set(), set()]


def test_a_cancel_mid_page_waits_for_a_reader_at_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page started and not read: by the cancel, its reader is blocked writing the pipe
    (a safe place to be cancelled) or gone; then it ends, nothing hangs."""
    monkeypatch.setenv("SANE_CONFIG_DIR", str(asset("sane")))
    states: list[bool] = []
    real_wait = sane_device._let_reader_exit

    def watched(readers: set[str], or_blocked_in_pipe_write: bool = False) -> None:
        real_wait(readers, or_blocked_in_pipe_write)
        alive = readers & _thread_ids()
        states.append(all(sane_device._in_pipe_write(t) for t in alive))

    monkeypatch.setattr(sane_device, "_let_reader_exit", watched)
    api = SaneApi()
    try:
        handle = api.open("test:0")
        handle.set("resolution", 300)  # an A4 page at 300 dpi does not fit in a pipe
        handle.start()
        readers = set(handle._reader_threads)
        handle.cancel()
        assert states == [True]
        handle.close()
        deadline = time.monotonic() + 5
        while readers & _thread_ids() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not readers & _thread_ids()
    finally:
        api.exit()
