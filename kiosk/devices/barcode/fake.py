"""A scripted barcode source for tests and demos: plays texts (with optional delays and
injected errors) on its own thread, like a real reader would."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.devices.barcode.source import UNKNOWN, ErrorCallback, Read, ReadCallback
from kiosk.errors import DeviceError


@dataclass(frozen=True)
class Step:
    """Wait ``delay_s``, then read ``text`` or, when ``error`` is set, report it."""

    text: str = ""
    delay_s: float = 0.0
    symbology: str = UNKNOWN
    error: DeviceError | None = None


class FakeSource:
    def __init__(self, steps: Iterable[Step | str], name: str = "fake") -> None:
        self.steps = [s if isinstance(s, Step) else Step(s) for s in steps]
        self._name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.done = threading.Event()

    @property
    def name(self) -> str:
        return self._name

    def start(self, on_read: ReadCallback, on_error: ErrorCallback | None = None) -> None:
        self._stop.clear()
        self.done.clear()
        self._thread = threading.Thread(target=self._run, args=(on_read, on_error),
                                        name=f"barcode-{self._name}", daemon=True)
        self._thread.start()

    def push(self, text: str, on_read: ReadCallback, symbology: str = UNKNOWN) -> None:
        """Deliver one read now, on the caller's thread."""
        on_read(Read(text, symbology, self._name))

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self, on_read: ReadCallback, on_error: ErrorCallback | None) -> None:
        try:
            for step in self.steps:
                if self._stop.wait(step.delay_s):
                    return
                if step.error is not None:
                    if on_error is not None:
                        on_error(step.error)
                    continue
                on_read(Read(step.text, step.symbology, self._name))
        finally:
            self.done.set()
