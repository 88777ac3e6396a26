"""Keyboard-wedge readers: USB scanners that "type" what they read.

The UI's application-wide key filter feeds every key press here (a :class:`KeyEvent` with a
monotonic time) and does what :meth:`WedgeDetector.feed` returns: the keys it hands back
are typing and go on to the focused widget; the keys it keeps are held until they turn out
to be a scan (then they become one :class:`Read` and never reach a text field) or typing
(then they come back from a later ``feed`` or from ``poll``). A scanner sends a whole code
with 2–40 ms between keys and ends with its suffix key (Enter or Tab); a person, even a fast
typist, leaves tens of milliseconds between most keys. Holding costs a typist at most one gap
(``max_gap_ms``) of delay on the first key.

A reader types capitals and ``|``, ``:``, ``/`` as Shift+key, so a burst is full of Shift
presses and releases: modifier keys (``MODIFIER``) neither split nor end a burst, they only
show the reader is still typing. The text of a key is what the key event typed (with Shift
and CapsLock applied), never a guess from the key code.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import Config
from kiosk.devices.barcode.source import UNKNOWN, ErrorCallback, Read, ReadCallback

ENTER = "Enter"
TAB = "Tab"
#: Shift, Control, Alt, AltGr, CapsLock, NumLock, Meta: part of typing a character.
MODIFIER = "Modifier"
OTHER = "Other"
#: Keys a reader sends after the code (set on the reader); both end a burst.
SUFFIX_KEYS = (ENTER, TAB)


@dataclass(frozen=True)
class KeyEvent:
    """One key press: ``text`` is the character it types ("" for Enter, arrows, Tab...),
    ``key`` names a non-character key (``"Enter"``, ``"Tab"``, ``"Modifier"``, ``"Other"``),
    ``t`` is seconds on a monotonic clock; ``caps_lock``: CapsLock was on at the host."""

    text: str
    t: float
    key: str = ""
    caps_lock: bool = False

    @property
    def is_enter(self) -> bool:
        return self.key == ENTER or (not self.key and self.text in ("\r", "\n"))

    @property
    def is_suffix(self) -> bool:
        return self.is_enter or self.key == TAB or (not self.key and self.text == "\t")

    @property
    def is_modifier(self) -> bool:
        return self.key == MODIFIER


@dataclass(frozen=True)
class WedgeSettings:
    max_gap_ms: float = 50.0
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
        #: time of the burst's last key, modifiers included
        self._last = 0.0

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
        if self._held and event.t - self._last > gap:
            released, self._held = self._held, []
        if event.is_modifier:
            # Shift around a capital: the burst goes on; the key itself changes no text.
            if self._held:
                self._last = event.t
            released.append(event)
            return released
        if event.is_suffix:
            if self._held and self._is_scan():
                self._emit()
                return released
            released.extend(self._held)
            self._held = []
            released.append(event)
            return released
        if not event.text or event.key:
            # Arrows, Backspace, Escape: a scanner does not send them mid-code.
            released.extend(self._held)
            self._held = []
            released.append(event)
            return released
        if not self._held and self.settings.prefix and event.text != self.settings.prefix[0]:
            # With a configured prefix, only its first character can start a scan.
            released.append(event)
            return released
        self._held.append(event)
        self._last = event.t
        return released

    def poll(self, now: float) -> list[KeyEvent]:
        """Release held keys once no key came for a gap (the UI calls this from a timer).
        A scan without its suffix key never completes, so those keys come back as typing."""
        if self._held and now - self._last > self.settings.max_gap_ms / 1000:
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
    return "".join("\n" if e.is_enter else "\t" if e.is_suffix else e.text for e in typed)
