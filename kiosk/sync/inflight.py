"""How many scans a sync pass sends at once: pinned by ``sync.parallel_uploads``, or chosen
by the link ("auto", the default) by hill-climbing on the rate the finished uploads achieve.

Why both ways matter (docs/BENCHMARKS.md, "Round 3: uploads in flight chosen by the link"):
behind a shaper with a small queue and little delay, every connection's burst competes for
the same 50 ms of queue, so four connections lose packets that two do not and two carry more;
on a link with a long round trip (4G, 100–200 ms), each scan waits a round trip for its
answer and two in flight leave the link idle between them. No fixed number suits both, and
the counter cannot know which link it has, so it measures.

:class:`InFlight` is the controller and holds no thread and reads no clock: it is fed
``started``/``finished`` events with their times, so it is tested with synthetic ones.
:class:`UploadLanes` is the pass's pool of upload threads with a gate that lets ``limit``
of them send at once, feeding the controller with the real clock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

log = logging.getLogger(__name__)

AUTO = "auto"
#: Where "auto" starts: what measured best behind the kernel's shaper (docs/BENCHMARKS.md).
START = 2
LOW, HIGH = 1, 6

T = TypeVar("T")


def pinned(value: Any) -> int | None:
    """The fixed number of uploads at once a ``sync.parallel_uploads`` value asks for, or
    None when the link chooses ("auto"). An older config's whole number (4) still pins."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return max(1, value)
    text = str(value).strip()
    if text.isascii() and text.isdigit():
        return max(1, int(text))
    return None


class InFlight:
    """Hill-climbing on the aggregate rate of finished uploads.

    The rate at a level is measured over a window. It opens once ``limit`` uploads have
    finished after the level was set (those were on the wire before, or opened a connection
    of their own: a TLS handshake over a long round trip would count against the new
    level) and closes when at least ``min_done`` more have finished and ``min_seconds``
    have passed; rate = bytes of those uploads / the time from its opening to the last.
    A window spans several dossiers, so the pauses while a record goes out average out.

    - A probe one level up is kept only when its rate beats the level below by ``margin``
      (a clear gain, not noise); then the next level up is tried at once (a long round trip
      climbs level by level). Otherwise the level steps back.
    - After a failed probe the level is held for ``hold`` windows, doubled by each failed
      probe up in a row up to ``hold_max`` (a link that gains nothing is not disturbed
      often), then probed again: up and down in turn. A step down is kept unless it loses
      more than half the margin: fewer connections at about the same rate leave more of a
      small queue free (and a level first taken on a warming link is given back).
    - A held level whose rate falls by more than a third re-measures and probes at once
      (the link changed: a 4G cell, a shaper reconfigured).
    """

    def __init__(self, start: int = START, low: int = LOW, high: int = HIGH,
                 margin: float = 0.10, min_done: int = 12, min_seconds: float = 2.0,
                 hold: int = 2, hold_max: int = 8) -> None:
        self.low, self.high = low, high
        self.limit = min(high, max(low, start))
        self.margin = margin
        self.min_done, self.min_seconds = min_done, min_seconds
        self.hold_first, self.hold_max = hold, hold_max
        #: (level, rate in bytes/s) of every window measured: the bench prints it.
        self.history: list[tuple[int, float]] = []
        self._base: float | None = None  # rate of the level held, as last measured
        self._probe_from: int | None = None  # level to return to if the probe fails
        self._hold = hold
        self._held = hold - 1  # the first window at START is followed by a probe
        self._next_down = False
        self._start: float | None = None
        self._settling = self.limit
        self._done = 0
        self._bytes = 0

    @property
    def settled(self) -> int:
        """The level held: the current one, or the one a probe under way returns to."""
        return self.limit if self._probe_from is None else self._probe_from

    # --- events -------------------------------------------------------------------------

    def begin(self, now: float) -> None:
        """A pass starts: the link was idle, so no window spans the gap (the level and what
        was learned stay)."""
        self._reset_window()

    def finished(self, nbytes: int, now: float) -> None:
        """An upload finished (``nbytes`` sent for it; 0 for one the server had)."""
        if self._start is None:
            self._settling -= 1
            if self._settling <= 0:
                self._start = now
            return
        self._done += 1
        self._bytes += max(0, nbytes)
        if self._done >= max(self.min_done, 3 * self.limit) and \
                now - self._start >= self.min_seconds:
            self._decide(self._bytes / max(now - self._start, 1e-9))

    # --- decisions ----------------------------------------------------------------------

    def _reset_window(self, settle: bool = True) -> None:
        self._start = None
        self._settling = self.limit if settle else 1
        self._done = 0
        self._bytes = 0

    def _set(self, level: int) -> None:
        if level != self.limit:
            log.info("sync: %d uploads at once (was %d)", level, self.limit)
        self.limit = level
        self._reset_window()

    def _decide(self, rate: float) -> None:
        self.history.append((self.limit, rate))
        if self._probe_from is not None:
            self._end_probe(rate)
            return
        if self._base is not None and rate < self._base * (2 / 3):
            self._hold = self.hold_first  # the link changed: measure afresh, probe soon
            self._held = self._hold
        self._base = rate
        self._held += 1
        if self._held >= self._hold:
            self._start_probe()
        else:
            self._reset_window(settle=False)

    def _start_probe(self) -> None:
        down = self._next_down and self.limit > self.low
        up = self.limit < self.high
        self._next_down = not self._next_down
        if not (up or down):
            self._held = 0
            self._reset_window(settle=False)
            return
        self._probe_from = self.limit
        self._set(self.limit - 1 if down or not up else self.limit + 1)

    def _end_probe(self, rate: float) -> None:
        before, base = self._probe_from, self._base
        assert before is not None and base is not None
        self._probe_from = None
        went_up = self.limit > before
        kept = rate >= base * (1 + self.margin if went_up else 1 - self.margin / 2)
        self._held = 0
        if kept:
            self._base = rate
            self._hold = self.hold_first
            if went_up and self.limit < self.high:
                self._next_down = False
                self._start_probe()  # a clear gain: the next level may gain too
                return
            self._reset_window(settle=False)
            return
        if went_up:
            self._hold = min(self.hold_max, self._hold * 2)
        self._set(before)


class UploadLanes:
    """The upload threads of one pass, shared by every dossier in flight, and the gate that
    lets ``limit`` of them send at once (fixed, or the controller's)."""

    def __init__(self, fixed: int | None, controller: InFlight | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        assert fixed is not None or controller is not None
        self.fixed, self.controller, self.clock = fixed, controller, clock
        self._cond = threading.Condition()
        self._running = 0
        self._next_ticket = 0
        self._serving = 0  # first in, first through: a dossier's pages are not overtaken
        workers = fixed if fixed is not None else controller.high  # type: ignore[union-attr]
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="kiosk-sync-up")
        if controller is not None:
            controller.begin(clock())

    @property
    def limit(self) -> int:
        return self.fixed if self.fixed is not None else self.controller.limit  # type: ignore[union-attr]

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def run_all(self, items: Iterable[T], one: Callable[[T], int | None]) -> list[BaseException]:
        """Run ``one`` for each item through the gate; the errors raised, in order."""
        futures: list[Future[None]] = [self._pool.submit(self._gated, one, i) for i in items]
        return [e for e in (f.exception() for f in futures) if e is not None]

    def _gated(self, one: Callable[[T], int | None], item: T) -> None:
        with self._cond:
            ticket = self._next_ticket
            self._next_ticket += 1
            while ticket != self._serving or self._running >= self.limit:
                self._cond.wait()
            self._serving += 1
            self._running += 1
            self._cond.notify_all()
        sent = 0
        try:
            sent = one(item) or 0
        finally:
            with self._cond:
                self._running -= 1
                if self.controller is not None:
                    self.controller.finished(sent, self.clock())
                self._cond.notify_all()  # the limit may have risen as well


def run_lanes(lanes: UploadLanes | None, fixed: int | None, controller: InFlight | None,
              items: Iterable[T], one: Callable[[T], int | None]) -> list[BaseException]:
    """Run ``one`` for each item in the pass's lanes, or in lanes made for these items alone
    (an item pushed outside a pass)."""
    if lanes is not None:
        return lanes.run_all(items, one)
    own = UploadLanes(fixed, controller)
    try:
        return own.run_all(items, one)
    finally:
        own.close()
