"""What every barcode source emits, and the one Protocol they all follow.

A source (keyboard wedge, serial reader, camera, an image, the fake) turns whatever the
hardware does into :class:`Read` values and hands them to a callback. It never shows
anything: problems go to ``on_error`` as :class:`~kiosk.errors.DeviceError` values that
the UI turns into a banner, and the source keeps running (a reader that was unplugged is
reopened) until ``stop()``.
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


class ThreadedSource:
    """A source that reads on its own daemon thread from ``start`` until ``stop``.

    Subclasses give ``name`` and ``_run(on_read, on_error)``, which returns when
    ``self._stop`` is set (or by itself, when the device is gone for good).
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        raise NotImplementedError

    def start(self, on_read: ReadCallback, on_error: ErrorCallback | None = None) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._starting()
        self._thread = threading.Thread(
            target=self._run, args=(on_read, on_error or ignore_errors),
            name=f"barcode-{self.name}", daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _starting(self) -> None:
        """Reset per-run state before the thread starts (subclasses)."""

    def _run(self, on_read: ReadCallback, on_error: ErrorCallback) -> None:
        raise NotImplementedError
