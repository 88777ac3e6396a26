"""What every barcode source emits, and the one Protocol they all follow.

A source (keyboard wedge, serial reader, camera, an image, the fake) turns whatever the
hardware does into :class:`Read` values and hands them to a callback. It never shows
anything: problems go to ``on_error`` as :class:`~kiosk.errors.DeviceError` values, and the source
keeps running (a reader that was unplugged is reopened, with a back-off) until ``stop()``.
A threaded source also keeps a :class:`SourceStatus` (open, retrying, ended) that the home
screen's device panel shows; errors about the connection itself are marked
(:func:`connection_problem`) so that the UI shows them there rather than as toasts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from kiosk import clock
from kiosk.errors import DeviceError

#: Canonical symbology names used across kiosk (lower case, stable in JSON and config).
QR = "qr"
CODE128 = "code128"
#: The symbology is not known: a keyboard-wedge or serial reader sends text only.
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Read:
    """One code read by one source.

    ``text`` is exactly what the code holds (no trimming: the router decides what a BOM or
    a trailing CR means). ``raw`` keeps the bytes when the source has them, so a decoding
    doubt can be checked later.
    """

    text: str
    symbology: str
    source: str
    time: datetime = field(default_factory=clock.now)
    raw: bytes | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "symbology": self.symbology,
            "source": self.source,
            "time": clock.iso(self.time),
        }


ReadCallback = Callable[[Read], None]
ErrorCallback = Callable[[DeviceError], None]


@runtime_checkable
class BarcodeSource(Protocol):
    """A running producer of reads. ``start`` returns at once; reads arrive on the source's
    own thread (or, for the wedge, on the thread that feeds it keys)."""

    @property
    def name(self) -> str: ...

    def start(self, on_read: ReadCallback, on_error: ErrorCallback | None = None) -> None: ...

    def stop(self) -> None: ...


def ignore_errors(_error: DeviceError) -> None:
    """Default ``on_error`` for callers that only want reads (tests, one-shot tools)."""


#: What a threaded source is doing, for the device panel and ``kiosk listen``.
STARTING = "starting"
#: Open and reading (a port open, frames coming).
OPEN = "open"
#: Not open (not plugged in, no permission, lost): trying again after ``retry_s``.
RETRYING = "retrying"
#: Ended by itself for good (a video file played to its end).
ENDED = "ended"
STOPPED = "stopped"


@dataclass(frozen=True)
class SourceStatus:
    state: str = STARTING
    #: Why it is not open (RETRYING, ENDED after a failure); shown on the device panel.
    problem: DeviceError | None = None
    #: Seconds until the next attempt (RETRYING).
    retry_s: float | None = None


def connection_problem(error: DeviceError) -> bool:
    """True for a source's "cannot open / lost the device" errors (its status says them;
    the UI shows them on the device panel, not as a toast for every retry)."""
    return bool(error.details.get("connection"))


class Backoff:
    """Waits between attempts: ``first_s``, doubling up to ``max_s``; ``reset`` after a
    success, so a reader unplugged for a moment comes back at once."""

    def __init__(self, first_s: float, max_s: float) -> None:
        self.first_s = first_s
        self.max_s = max(first_s, max_s)
        self._attempts = 0

    def next(self) -> float:
        wait = min(self.max_s, self.first_s * 2 ** min(self._attempts, 30))
        self._attempts += 1
        return wait

    def reset(self) -> None:
        self._attempts = 0


class ThreadedSource:
    """A source that reads on its own daemon thread from ``start`` until ``stop``.

    Subclasses give ``name`` and ``_run(on_read, on_error)``, which returns when
    ``self._stop`` is set (or by itself, when the device is gone for good), and report
    what they are doing with ``_set_status``; ``on_status`` (if set) hears every change,
    on the source's thread.
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._status = SourceStatus()
        self._status_seen = threading.Condition()
        self.on_status: Callable[[SourceStatus], None] | None = None

    @property
    def name(self) -> str:
        raise NotImplementedError

    @property
    def status(self) -> SourceStatus:
        return self._status

    def start(self, on_read: ReadCallback, on_error: ErrorCallback | None = None) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._starting()
        self._set_status(SourceStatus(STARTING))
        self._thread = threading.Thread(
            target=self._main, args=(on_read, on_error or ignore_errors),
            name=f"barcode-{self.name}", daemon=True,
        )
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the thread to end, without waiting (``join`` waits)."""
        self._stop.set()

    def join(self, timeout: float = 5.0) -> bool:
        """Wait for the thread to end; False when it is still blocked in the device."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout=timeout)
        if thread.is_alive():
            return False
        self._thread = None
        return True

    def stop(self) -> None:
        self.request_stop()
        self.join()

    def _main(self, on_read: ReadCallback, on_error: ErrorCallback) -> None:
        try:
            self._run(on_read, on_error)
        finally:
            if self._status.state != ENDED:
                self._set_status(SourceStatus(STOPPED))

    def wait_for(self, state: str, timeout: float) -> bool:
        """Wait until the source is in ``state`` (True) or ``timeout`` passes (False)."""
        with self._status_seen:
            return self._status_seen.wait_for(lambda: self._status.state == state, timeout)

    def _set_status(self, status: SourceStatus) -> None:
        with self._status_seen:
            self._status = status
            self._status_seen.notify_all()
        listener = self.on_status
        if listener is not None:
            listener(status)

    def _starting(self) -> None:
        """Reset per-run state before the thread starts (subclasses)."""

    def _run(self, on_read: ReadCallback, on_error: ErrorCallback) -> None:
        raise NotImplementedError
