"""The serial and camera readers a counter has configured, run side by side.

:func:`configured` turns the settings into :class:`ReaderSpec` values; :class:`Readers`
keeps one running source per spec, applies a new list (a setting changed) by stopping what
went away and starting what came, and reports every change of a source's state. Each source
reads and retries on its own thread; nothing here waits on a device, so the caller (the
GUI thread) never blocks. Reads and errors arrive on the sources' threads: the UI hands
them over to its own thread. The keyboard wedge is not here: it lives in the key path.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.devices.barcode.source import (
    STOPPED,
    ErrorCallback,
    Read,
    ReadCallback,
    SourceStatus,
    ThreadedSource,
)
from kiosk.errors import DeviceError
from kiosk.safe_text import is_ascii_digits

log = logging.getLogger(__name__)
SERIAL, CAMERA = "serial", "camera"
#: The settings that change which readers run (a change restarts the ones concerned).
READER_KEYS = ("barcode.serial_port", "barcode.serial_baudrate", "barcode.serial_suffix",
               "barcode.camera", "barcode.camera_url", "barcode.extra_formats")


@dataclass(frozen=True)
class ReaderSpec:
    """One reader to run: its kind, where it is (port, camera number, URL or video file)
    and the options it is opened with. Equal specs are the same running reader."""

    kind: str
    target: str
    options: tuple[tuple[str, Any], ...] = ()

    def create(self) -> ThreadedSource:
        options = dict(self.options)
        if self.kind == SERIAL:
            from kiosk.devices.barcode.serial_reader import SerialSource

            return SerialSource(self.target, baudrate=int(options.get("baudrate", 9600)),
                                suffix=str(options.get("suffix", "")))
        from kiosk.devices.barcode.camera import CameraSource
        from kiosk.devices.barcode.decode import ImageDecoder

        device: int | str = (int(self.target) if is_ascii_digits(self.target)
                             else self.target)
        decoder = ImageDecoder(list(options.get("extra_formats", ())), retries=False)
        return CameraSource(device, decoder=decoder)


def serial_spec(config: Any, port: str) -> ReaderSpec:
    return ReaderSpec(SERIAL, port, (("baudrate", int(config.get("barcode.serial_baudrate"))),
                                     ("suffix", str(config.get("barcode.serial_suffix")))))


def camera_spec(config: Any, target: str) -> ReaderSpec:
    extra = tuple(str(f) for f in config.get("barcode.extra_formats"))
    return ReaderSpec(CAMERA, target, (("extra_formats", extra),))


def camera_target(config: Any) -> str:
    """The camera to read: barcode.camera_url when set, else the camera number; "" none."""
    url = str(config.get("barcode.camera_url")).strip()
    if url:
        return url
    number = int(config.get("barcode.camera"))
    return str(number) if number >= 0 else ""


def configured(config: Any) -> list[ReaderSpec]:
    specs: list[ReaderSpec] = []
    port = str(config.get("barcode.serial_port")).strip()
    if port:
        specs.append(serial_spec(config, port))
    target = camera_target(config)
    if target:
        specs.append(camera_spec(config, target))
    return specs


Create = Callable[[ReaderSpec], ThreadedSource]


class Readers:
    """Runs one source per spec. ``on_read``/``on_error`` get what the current sources
    produce (a source replaced by a new setting is silenced at once, even while its thread
    is still winding down); ``on_change`` hears when a reader's state changes. ``apply``
    and ``stop`` are called from one thread (the GUI thread); the callbacks come from the
    sources' threads."""

    def __init__(self, on_read: ReadCallback, on_error: ErrorCallback | None = None,
                 on_change: Callable[[], None] | None = None,
                 create: Create | None = None) -> None:
        self._on_read = on_read
        self._on_error = on_error
        self._on_change = on_change
        self._create: Create = create or (lambda spec: spec.create())
        self._lock = threading.Lock()
        self._running: dict[ReaderSpec, ThreadedSource] = {}
        self._retired: list[ThreadedSource] = []
        self._shown: tuple[Any, ...] = ()
        self._closed = False

    def apply(self, specs: list[ReaderSpec]) -> None:
        """Run exactly ``specs`` (returns at once; old sources end on their threads)."""
        with self._lock:
            if self._closed:
                return
            wanted = list(dict.fromkeys(specs))
            for spec in [s for s in self._running if s not in wanted]:
                source = self._running.pop(spec)
                source.request_stop()
                self._retired.append(source)
            self._retired = [s for s in self._retired if not s.join(0)]
            fresh = {s: self._create(s) for s in wanted if s not in self._running}
            self._running = {s: fresh[s] if s in fresh else self._running[s] for s in wanted}
        for source in fresh.values():
            self._start(source)
        self._notify()

    def _start(self, source: ThreadedSource) -> None:
        def on_read(read: Read) -> None:
            self._read(source, read)

        def on_error(error: DeviceError) -> None:
            self._error(source, error)

        source.on_status = lambda _status: self._status_changed(source)
        source.start(on_read, on_error)
        log.info("barcode reader %s started", source.name)

    def states(self) -> list[tuple[ReaderSpec, SourceStatus]]:
        with self._lock:
            return [(spec, source.status) for spec, source in self._running.items()]

    def stop(self, timeout: float = 3.0) -> list[str]:
        """Stop every source, waiting at most ``timeout`` in all; the names of those whose
        thread is still blocked in a device (daemon threads: they never hold up exit)."""
        with self._lock:
            self._closed = True
            sources = [*self._running.values(), *self._retired]
            self._running, self._retired = {}, []
        for source in sources:
            source.request_stop()
        deadline = time.monotonic() + timeout
        stuck = [s.name for s in sources if not s.join(max(0.0, deadline - time.monotonic()))]
        if stuck:
            log.warning("barcode readers still blocked at exit: %s", ", ".join(stuck))
        return stuck

    def _current(self, source: ThreadedSource) -> bool:
        with self._lock:
            return any(s is source for s in self._running.values())

    def _read(self, source: ThreadedSource, read: Read) -> None:
        if self._current(source):
            self._on_read(read)

    def _error(self, source: ThreadedSource, error: DeviceError) -> None:
        log.info("barcode reader %s: %s (%s)", source.name, error.message, error.technical())
        if self._on_error is not None and self._current(source):
            self._on_error(error)

    def _status_changed(self, source: ThreadedSource) -> None:
        if source.status.state != STOPPED and self._current(source):
            self._notify()

    def _notify(self) -> None:
        # A retrying reader sets its status at every attempt: only a change is news.
        shown = tuple((spec, st.state, st.problem.message if st.problem else None)
                      for spec, st in self.states())
        with self._lock:
            if shown == self._shown:
                return
            self._shown = shown
        if self._on_change is not None:
            self._on_change()
