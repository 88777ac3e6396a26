"""The scanner driver interface: few verbs, like NAPS2's IScanDriver.

``list_devices``, ``capabilities`` and ``scan`` (with a cancel token, a progress callback and a
per-page callback). Pages are handed to ``on_page`` as soon as each one is read, so a failure
later in the batch never loses the pages already scanned: the caller owns them.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # numpy is 0.4–0.7 s of the app's start; drivers import it when they scan
    import numpy as np


class Source(enum.StrEnum):
    FLATBED = "flatbed"
    ADF = "adf"
    DUPLEX = "duplex"


class Mode(enum.StrEnum):
    COLOR = "color"
    GRAY = "gray"
    LINEART = "lineart"


#: A4 in millimetres: the page size of every Vietnamese administrative document.
A4_MM = (210.0, 297.0)


@dataclass(frozen=True)
class ScannerInfo:
    name: str
    vendor: str = ""
    model: str = ""
    kind: str = ""

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.vendor, self.model) if p) or self.name


@dataclass(frozen=True)
class Capabilities:
    sources: tuple[Source, ...]
    modes: tuple[Mode, ...]
    #: Either the resolutions the device offers, or (min, max) when it offers a range.
    resolutions: tuple[int, ...]
    resolution_range: tuple[int, int] | None
    #: The largest scan area in mm (width, height), when the device says.
    max_area_mm: tuple[float, float] | None = None

    def nearest_resolution(self, wanted: int) -> int:
        if self.resolution_range is not None:
            low, high = self.resolution_range
            return max(low, min(high, wanted))
        if not self.resolutions:
            return wanted
        # Prefer the smallest offered resolution at or above the wanted one (legibility
        # must not drop below the legal minimum), else the largest there is.
        above = [r for r in self.resolutions if r >= wanted]
        return min(above) if above else max(self.resolutions)

    def to_json(self) -> dict[str, object]:
        return {
            "sources": [s.value for s in self.sources],
            "modes": [m.value for m in self.modes],
            "resolutions": list(self.resolutions),
            "resolution_range": list(self.resolution_range) if self.resolution_range else None,
            "max_area_mm": list(self.max_area_mm) if self.max_area_mm else None,
        }


@dataclass(frozen=True)
class ScanSettings:
    source: Source = Source.ADF
    resolution: int = 200
    mode: Mode = Mode.COLOR
    page_mm: tuple[float, float] = A4_MM


@dataclass
class ScanPage:
    """One page as read from the device: RGB (H×W×3) or gray (H×W) uint8 pixels."""

    index: int
    image: np.ndarray
    dpi: int
    side: str = "front"


class ScanEnd(enum.StrEnum):
    #: The feeder ran out after at least one page, or a flatbed page was read.
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass
class ScanOutcome:
    pages: int
    end: ScanEnd
    device: str
    settings: ScanSettings
    warnings: list[str] = field(default_factory=list)


class CancelToken:
    """Set from any thread; drivers check it between pages and while reading."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def cancel(self) -> None:
        with self._lock:
            self._event.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()

    def add_callback(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` (in the cancelling thread) on cancel; returns a remover.

        Drivers use it to interrupt a blocked read (``sane_cancel`` may be called from
        another thread); if already cancelled, the callback runs at once.
        """
        with self._lock:
            already = self._event.is_set()
            if not already:
                self._callbacks.append(callback)
        if already:
            callback()

        def remove() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return remove

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        return self._event.wait(seconds)


#: ``on_progress(page_index, fraction)``: fraction of the current page read, 0.0–1.0.
ProgressCallback = Callable[[int, float], None]
PageCallback = Callable[[ScanPage], None]


class ScanDriver(Protocol):
    """What the rest of the app needs from a scanner. Implementations raise ScannerError."""

    def list_devices(self) -> list[ScannerInfo]: ...

    def capabilities(self, device: str) -> Capabilities: ...

    def scan(
        self,
        device: str,
        settings: ScanSettings,
        *,
        cancel: CancelToken | None = None,
        on_progress: ProgressCallback | None = None,
        on_page: PageCallback | None = None,
    ) -> ScanOutcome: ...

    def close(self) -> None: ...
