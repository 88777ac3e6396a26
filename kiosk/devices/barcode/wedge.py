"""Keyboard-wedge readers: USB scanners that "type" what they read.

The UI's application-wide key filter feeds every key press here (a :class:`KeyEvent` with a
monotonic time) and does what :meth:`WedgeDetector.feed` returns: the keys it hands back
are typing and go on to the focused widget; the keys it keeps are held until they turn out
to be a scan (then they become one :class:`Read` and never reach a text field) or typing
(then they come back from a later ``feed`` or from ``poll``). A scanner sends a whole code
with a few milliseconds between keys and ends with Enter; a person, even a fast typist,
leaves tens of milliseconds between most keys. Holding costs a typist at most one gap
(``max_gap_ms``) of delay on the first key.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import Config
from kiosk.devices.barcode.source import UNKNOWN, ErrorCallback, Read, ReadCallback

ENTER = "Enter"


@dataclass(frozen=True)
class KeyEvent:
    """One key press: ``text`` is the character it types ("" for Enter, arrows, Tab...),
    ``key`` names a non-character key (``"Enter"``), ``t`` is seconds on a monotonic clock."""

    text: str
    t: float
    key: str = ""

    @property
    def is_enter(self) -> bool:
        return self.key == ENTER or self.text in ("\r", "\n")


@dataclass(frozen=True)
class WedgeSettings:
    max_gap_ms: float = 35.0
    min_length: int = 6
    prefix: str = ""
    suffix: str = ""

    @classmethod
    def from_config(cls, config: Config) -> WedgeSettings:
        return cls(
            max_gap_ms=float(config.get("barcode.wedge_max_gap_ms")),
            min_length=int(config.get("barcode.wedge_min_length")),
            prefix=str(config.get("barcode.wedge_prefix")),
            suffix=str(config.get("barcode.wedge_suffix")),
        )


class WedgeDetector:
    """Tells scans from typing by key timing. Not thread-safe: feed it from one thread
    (the UI thread's event filter)."""

    name = "wedge"

    def __init__(self, settings: WedgeSettings | None = None,
                 on_read: ReadCallback | None = None) -> None:
        self.settings = settings or WedgeSettings()
        self._on_read = on_read
        self._held: list[KeyEvent] = []

    # BarcodeSource: the wedge has no thread of its own; start/stop only (un)set the sink.
    def start(self, on_read: ReadCallback, on_error: ErrorCallback | None = None) -> None:
        self._on_read = on_read

    def stop(self) -> None:
        self._on_read = None
        self._held.clear()

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def feed(self, event: KeyEvent) -> list[KeyEvent]:
        """Take one key press; return the keys (this one or earlier held ones) that are
        typing, in order. Keys not returned are held or were part of a scan."""
        gap = self.settings.max_gap_ms / 1000
        released: list[KeyEvent] = []
        if self._held and event.t - self._held[-1].t > gap:
            released, self._held = self._held, []
        if event.is_enter:
            if self._held and self._is_scan():
                self._emit()
                return released
            released.extend(self._held)
            self._held = []
            released.append(event)
            return released
        if not event.text or event.key:
            # Tab, arrows, Backspace: a scanner does not send them mid-code.
            released.extend(self._held)
            self._held = []
            released.append(event)
            return released
        if not self._held and self.settings.prefix and event.text != self.settings.prefix[0]:
            # With a configured prefix, only its first character can start a scan.
            released.append(event)
            return released
        self._held.append(event)
        return released

    def poll(self, now: float) -> list[KeyEvent]:
        """Release held keys once no key came for a gap (the UI calls this from a timer).
        A scan without Enter never completes, so those keys come back as typing."""
        if self._held and now - self._held[-1].t > self.settings.max_gap_ms / 1000:
            released, self._held = self._held, []
            return released
        return []

    def _text(self) -> str:
        return "".join(e.text for e in self._held)

    def _is_scan(self) -> bool:
        s = self.settings
        text = self._text()
        if s.prefix and not text.startswith(s.prefix):
            return False
        if s.suffix and not text.endswith(s.suffix):
            return False
        body = text[len(s.prefix): len(text) - len(s.suffix)]
        return len(body) >= s.min_length

    def _emit(self) -> None:
        s = self.settings
        text = self._text()
        body = text[len(s.prefix): len(text) - len(s.suffix)]
        self._held = []
        if self._on_read is not None:
            self._on_read(Read(body, UNKNOWN, self.name))


def feed_trace(detector: WedgeDetector, trace: list[KeyEvent]) -> str:
    """Run a recorded trace through ``detector``; return what reached the widgets as typing
    (the keys fed back, Enter as a newline). For tests and ``kiosk listen --wedge``."""
    typed: list[KeyEvent] = []
    for event in trace:
        typed.extend(detector.feed(event))
    if trace:
        typed.extend(detector.poll(trace[-1].t + 10))
    return "".join("\n" if e.is_enter else e.text for e in typed)
